/**
 * Import of a python-openid SQL store. python-openid (Debian python3-openid,
 * run with /usr/bin/python3) makes the store itself: its SQLiteStore creates
 * the tables and stores associations, nonces and signed messages; its
 * consumer negotiates a real association with this package's Provider. For
 * PostgreSQL and MySQL (no Python drivers installed here) the tables are
 * created with python-openid's own DDL, read from its source at test time,
 * and filled with the rows that python-openid run produced.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { MySQLStore } from '../../src/drivers/mysql.js';
import { PostgresStore } from '../../src/drivers/postgres.js';
import { SQLiteStore } from '../../src/drivers/sqlite.js';
import { StoreError } from '../../src/protocol/errors.js';
import { Message } from '../../src/protocol/message.js';
import { verifyMessageSignature } from '../../src/protocol/signature.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import type { SqlStore } from '../../src/stores/sql.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import { serviceSkip, tempMysql, tempPostgres } from '../helpers/services.js';
import { vectorPath } from '../helpers/vectors.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../helpers/python-openid-store.py', import.meta.url));

interface PyRow {
  server_url: string;
  timestamp: number;
  salt: string;
}
interface PyFill {
  now: number;
  associations: { server_url: string; handle: string; type: string; expired: boolean }[];
  signed: { server_url: string; handle: string; args: Record<string, string> }[];
  nonces: PyRow[];
  openid1_nonce: PyRow;
  negotiated: { server_url: string; handle: string; type: string } | null;
}

function python(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

async function pythonSkip(): Promise<string | false> {
  try {
    await python(['ddl']); // imports python-openid's sqlstore
    return false;
  } catch (e) {
    const reason = `python-openid is not usable with ${PYTHON}: ${(e as Error).message.split('\n')[0]}`;
    if (process.env['CI']) throw new Error(reason);
    process.stderr.write(`SKIP: ${reason}\n`);
    return reason;
  }
}

/** Every check an import must pass, whatever the backend. */
async function checkImported(store: SqlStore, fill: PyFill): Promise<void> {
  // Signatures python-openid made verify with the imported associations; tampering still fails.
  assert.equal(fill.signed.length, 3);
  for (const s of fill.signed) {
    const a = await store.getAssociation(s.server_url, s.handle);
    assert.ok(a, `association ${s.handle} at ${s.server_url} imported`);
    const m = Message.fromPostArgs(s.args);
    assert.equal(verifyMessageSignature(m, a).ok, true);
    const forged = Message.fromPostArgs({ ...s.args, 'openid.claimed_id': 'https://mallory.example/' });
    assert.equal(verifyMessageSignature(forged, a).ok, false);
  }
  // The handle shared by two server URLs kept its two secrets apart.
  const [first, , twin] = fill.signed as [PyFill['signed'][0], unknown, PyFill['signed'][0]];
  assert.equal(first.handle, twin.handle);
  const other = await store.getAssociation(twin.server_url, twin.handle);
  assert.equal(verifyMessageSignature(Message.fromPostArgs(first.args), other as never).ok, false);
  // The expired one was left behind.
  const expired = fill.associations.find((a) => a.expired);
  assert.equal(await store.getAssociation(expired?.server_url as string, expired?.handle), null);
  // Nonces python-openid accepted are used here too; a fresh one is not.
  for (const n of fill.nonces) assert.equal(await store.useNonce(n.server_url, n.timestamp, n.salt), false);
  const n0 = fill.nonces[0] as PyRow;
  assert.equal(await store.useNonce(n0.server_url, n0.timestamp, `${n0.salt}x`), true);
}

const expectedResult = (fill: PyFill) => ({
  associations: {
    imported: fill.associations.filter((a) => !a.expired).length + (fill.negotiated ? 1 : 0),
    expired: fill.associations.filter((a) => a.expired).length,
    invalid: 0,
  },
  // The OpenID 1 nonce python-openid keeps under an empty server URL cannot be presented to openid2.
  nonces: { imported: fill.nonces.length, outsideWindow: 0, invalid: 1 },
});

describe('python-openid store import: SQLite, filled by python-openid itself', async () => {
  const skip = await pythonSkip();
  let dir: string;
  let ps: ProviderServer;
  let fill: PyFill;
  let store: SQLiteStore;
  let db: Database.Database;
  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'openid2-pyimport-'));
    ps = await startProviderServer();
    fill = JSON.parse(await python(['fill', join(dir, 'python.db'), ps.endpoint])) as PyFill;
    // A separate openid2 file with python-openid's file attached, as a migrating site would do.
    db = new Database(join(dir, 'openid2.db'));
    db.prepare('ATTACH DATABASE ? AS py').run(join(dir, 'python.db'));
    store = new SQLiteStore({ database: db });
  });
  after(async () => {
    if (skip) return;
    await store.close();
    db.close();
    await ps.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('imports live associations and in-window nonces, leaves expired and OpenID 1 rows', {
    skip,
  }, async () => {
    assert.ok(fill.negotiated, 'python-openid negotiated an association with the Provider');
    const r = await store.importPythonOpenID({
      associationsTable: 'py.oid_associations',
      noncesTable: 'py.oid_nonces',
    });
    assert.deepEqual(r, expectedResult(fill));
    await checkImported(store, fill);
    // python-openid's own OpenID 1 nonce row is not there under any server URL we would ask for.
    const o = fill.openid1_nonce;
    assert.equal(o.server_url, '');
  });

  test('an association python-openid negotiated with the Provider signs an openid2 login', {
    skip,
  }, async () => {
    const neg = fill.negotiated as NonNullable<PyFill['negotiated']>;
    assert.ok(await store.getAssociation(neg.server_url, neg.handle), 'imported');
    const rp = new RelyingParty({
      realm: 'http://rp.example/',
      returnTo: 'http://rp.example/return',
      secret: 'p'.repeat(40),
      store,
      fetch: { allowPrivateNetworks: true },
    });
    const start = ps.log.length;
    const auth = await rp.begin(`${ps.base}/id/alice`);
    assert.equal(new URL(auth.redirectUrl).searchParams.get('openid.assoc_handle'), neg.handle);
    const back = await browse(auth.redirectUrl);
    const result = await rp.complete(back.url, { state: auth.state });
    assert.equal(result.status, 'success', JSON.stringify(result));
    assert.equal((result as { verifiedBy: string }).verifiedBy, 'association');
    assert.deepEqual(ps.log.slice(start), ['checkid_setup']);
  });

  test('a second import stores the same rows again without duplicates', { skip }, async () => {
    const r = await store.importPythonOpenID({
      associationsTable: 'py.oid_associations',
      noncesTable: 'py.oid_nonces',
    });
    assert.deepEqual(r, expectedResult(fill));
    const n = db.prepare('SELECT COUNT(*) AS n FROM openid2_associations').get() as { n: number };
    assert.equal(n.n, expectedResult(fill).associations.imported);
  });

  test('a python-openid 1.2 store is refused with store_import_unsupported', {
    skip: skip,
  }, async () => {
    const vector = vectorPath('openid/test/data/openid-1.2-consumer-sqlitestore.db');
    assert.ok(existsSync(vector), vector);
    const copy = join(dir, 'old-1.2.db');
    copyFileSync(vector, copy);
    const old = new SQLiteStore({ path: copy });
    try {
      await assert.rejects(old.importPythonOpenID(), (e: unknown) => {
        assert.ok(e instanceof StoreError);
        assert.equal(e.code, 'store_import_unsupported');
        assert.match(e.message, /upgrade-store-1\.1-to-2\.0/);
        return true;
      });
    } finally {
      await old.close();
    }
  });

  test('missing tables and unsafe table names are refused', { skip }, async () => {
    await assert.rejects(store.importPythonOpenID({ associationsTable: 'nope' }), (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.equal(e.code, 'store_import_failed');
      return true;
    });
    await assert.rejects(
      store.importPythonOpenID({ noncesTable: 'oid_nonces; DROP TABLE openid2_nonces' }),
      TypeError,
    );
  });
});

/** python-openid's DDL from its source, and the rows of the SQLite store python-openid filled. */
async function pythonRows(dir: string) {
  const ddl = JSON.parse(await python(['ddl'])) as Record<
    'PostgreSQLStore' | 'MySQLStore',
    { create_nonce_sql: string; create_assoc_sql: string }
  >;
  const fill = JSON.parse(await python(['fill', join(dir, 'python.db')])) as PyFill;
  const src = new Database(join(dir, 'python.db'), { readonly: true });
  const assocs = src.prepare('SELECT * FROM oid_associations').all() as Record<string, unknown>[];
  const nonces = src.prepare('SELECT * FROM oid_nonces').all() as Record<string, unknown>[];
  src.close();
  const values = (r: Record<string, unknown>, cols: string[]) => cols.map((c) => r[c]);
  return {
    ddl,
    fill,
    assocRows: assocs.map((r) =>
      values(r, ['server_url', 'handle', 'secret', 'issued', 'lifetime', 'assoc_type']),
    ),
    nonceRows: nonces.map((r) => values(r, ['server_url', 'timestamp', 'salt'])),
  };
}

describe('python-openid store import: PostgreSQL, python-openid DDL and rows', async () => {
  const skip = (await pythonSkip()) || (await serviceSkip('postgres'));
  test('imports and verifies python-openid signatures', { skip }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-pyimport-pg-'));
    const db = await tempPostgres();
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: db.url });
    const store = new PostgresStore({ connectionString: db.url });
    try {
      const py = await pythonRows(dir);
      await c.connect();
      await c.query(py.ddl.PostgreSQLStore.create_assoc_sql);
      await c.query(py.ddl.PostgreSQLStore.create_nonce_sql);
      for (const r of py.assocRows)
        await c.query('INSERT INTO oid_associations VALUES ($1,$2,$3,$4,$5,$6)', r);
      for (const r of py.nonceRows) await c.query('INSERT INTO oid_nonces VALUES ($1,$2,$3)', r);
      // CHAR(40): PostgreSQL gives the salt back padded; the import must undo that.
      const padded = await c.query('SELECT salt FROM oid_nonces LIMIT 1');
      assert.equal(String(padded.rows[0].salt).length, 40);
      assert.deepEqual(await store.importPythonOpenID(), expectedResult(py.fill));
      await checkImported(store, py.fill);
    } finally {
      await c.end().catch(() => {});
      await store.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('python-openid store import: MySQL/MariaDB, python-openid DDL and rows', async () => {
  const skip = (await pythonSkip()) || (await serviceSkip('mysql'));
  test('imports and verifies python-openid signatures', { skip }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-pyimport-my-'));
    const db = await tempMysql();
    const { default: mysql } = await import('mysql2/promise');
    const c = await mysql.createConnection({ uri: db.url });
    const store = new MySQLStore({ uri: db.url });
    try {
      const py = await pythonRows(dir);
      await c.query(py.ddl.MySQLStore.create_assoc_sql);
      await c.query(py.ddl.MySQLStore.create_nonce_sql);
      for (const r of py.assocRows) await c.query('INSERT INTO oid_associations VALUES (?,?,?,?,?,?)', r);
      for (const r of py.nonceRows) await c.query('INSERT INTO oid_nonces VALUES (?,?,?)', r);
      assert.deepEqual(await store.importPythonOpenID(), expectedResult(py.fill));
      await checkImported(store, py.fill);
    } finally {
      await c.end().catch(() => {});
      await store.close();
      await db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
