/**
 * What the shared queue suite cannot state for every queue: the file queue's
 * permissions, appenders in several processes and corrupt lines; the SQL
 * schema migration from version 1 (on PostgreSQL by many processes at
 * once), the PostgreSQL queue's connect timeout; Redis recovering an id its taker left
 * without a lease.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileQueue } from '../../src/background/file-queue.js';
import { MemoryQueue } from '../../src/background/memory-queue.js';
import { LocalWakeup } from '../../src/background/queue.js';
import { openQueue } from '../../src/drivers/open.js';
import { PostgresQueue, PostgresStore } from '../../src/drivers/postgres.js';
import { RedisQueue } from '../../src/drivers/redis.js';
import { SQLiteQueue } from '../../src/drivers/sqlite.js';
import { StoreError } from '../../src/protocol/errors.js';
import { SCHEMA_VERSION } from '../../src/stores/sql.js';
import { REDIS_URL, serviceSkip, tempPostgres, tempRedisPrefix } from '../helpers/services.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'openid2-qd-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Push `n` endpoints from a separate Node process. */
function pushFromProcess(directory: string, tag: string, n: number): Promise<void> {
  const script = `
    import { FileQueue } from './src/background/file-queue.ts';
    const q = new FileQueue({ directory: ${JSON.stringify(directory)} });
    await Promise.all(Array.from({ length: ${n} }, (_, i) =>
      q.push({ opEndpoint: 'https://op.example/${tag}/' + i + '/' + 'x'.repeat(i * 7), version: '2.0' })));
  `;
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { timeout: 60_000 },
      (error, _out, stderr) => (error ? reject(new Error(stderr || String(error))) : resolve()),
    ),
  );
}

describe('LocalWakeup (the in-process wake-up of every queue)', () => {
  test('waits that time out leave nothing behind; wake() ends a pending wait', async () => {
    const w = new LocalWakeup();
    for (let i = 0; i < 50; i++) await w.wait(1);
    assert.equal(w.waiting, 0);
    let ended = false;
    const pending = w.wait(60_000).then(() => {
      ended = true;
    });
    assert.equal(w.waiting, 1);
    assert.equal(ended, false);
    w.wake();
    await pending;
    assert.equal(ended, true);
    assert.equal(w.waiting, 0);
  });
});

describe('openQueue', () => {
  test('picks the queue by URL and refuses an unknown scheme with a code, without the password', async () => {
    const file = await openQueue(`file:${join(dir, 'by-url')}`);
    assert.ok(file instanceof FileQueue);
    const sqlite = await openQueue(`sqlite:${join(dir, 'by-url.db')}`);
    assert.ok(sqlite instanceof SQLiteQueue);
    await sqlite.close?.();
    const pg = await openQueue('postgres://app@127.0.0.1:1/app');
    assert.ok(pg instanceof PostgresQueue);
    await pg.close?.();
    const redis = await openQueue('redis://127.0.0.1:6379', { keyPrefix: 'openid2:unused:' });
    assert.ok(redis instanceof RedisQueue);
    await redis.close?.();
    assert.ok((await openQueue('memory:')) instanceof MemoryQueue);
    await assert.rejects(
      () => openQueue('ftp://user:hunter2@example.com/q'),
      (e: Error & { code?: string }) => e.code === 'queue_url_invalid' && !e.message.includes('hunter2'),
    );
  });
});

describe('FileQueue', () => {
  test('directory 0700, log and consumer state 0600', async () => {
    const directory = join(dir, 'perm');
    const q = new FileQueue({ directory });
    await q.push({ opEndpoint: 'https://op.example/p', version: '2.0' });
    const got = await q.take(1);
    await q.ack(got);
    assert.equal(statSync(directory).mode & 0o777, 0o700);
    assert.equal(statSync(join(directory, 'queue.log')).mode & 0o777, 0o600);
    assert.equal(statSync(join(directory, 'consumer-worker.json')).mode & 0o777, 0o600);
  });

  test('4 processes appending 50 lines each at once: every line arrives whole, none twice', async () => {
    const directory = join(dir, 'many');
    await Promise.all(['a', 'b', 'c', 'd'].map((tag) => pushFromProcess(directory, tag, 50)));
    const q = new FileQueue({ directory });
    const seen: string[] = [];
    for (;;) {
      const got = await q.take(37);
      if (got.length === 0) break;
      seen.push(...got.map((e) => e.opEndpoint));
      await q.ack(got);
    }
    assert.equal(seen.length, 200);
    assert.equal(new Set(seen).size, 200);
    for (const tag of ['a', 'b', 'c', 'd'])
      for (let i = 0; i < 50; i++)
        assert.ok(seen.includes(`https://op.example/${tag}/${i}/${'x'.repeat(i * 7)}`), `${tag}/${i} lost`);
  });

  test('lines that are not entries are skipped; the entries around them are not lost', async () => {
    const directory = join(dir, 'corrupt');
    const q = new FileQueue({ directory });
    await q.push({ opEndpoint: 'https://op.example/before', version: '2.0' });
    appendFileSync(
      join(directory, 'queue.log'),
      'not json\n{"opEndpoint":"file:///etc/passwd","version":"2.0"}\n[]\n',
    );
    await q.push({ opEndpoint: 'https://op.example/after', version: '1.1' });
    const got = await q.take(10);
    assert.deepEqual(
      got.map((e) => e.opEndpoint),
      ['https://op.example/before', 'https://op.example/after'],
    );
    await q.ack(got);
    assert.deepEqual(await q.take(10), []);
  });

  test('a half-written last line waits until it is complete', async () => {
    const directory = join(dir, 'partial');
    const q = new FileQueue({ directory });
    await q.push({ opEndpoint: 'https://op.example/whole', version: '2.0' });
    appendFileSync(join(directory, 'queue.log'), '{"opEndpoint":"https://op.example/half",');
    const first = await q.take(10);
    assert.deepEqual(
      first.map((e) => e.opEndpoint),
      ['https://op.example/whole'],
    );
    appendFileSync(join(directory, 'queue.log'), '"version":"2.0"}\n');
    const second = await q.take(10);
    assert.deepEqual(
      second.map((e) => e.opEndpoint),
      ['https://op.example/half'],
    );
    await q.ack([...first, ...second]);
  });

  test('a lock left by a killed process is broken once stale', async () => {
    const directory = join(dir, 'stale');
    const q = new FileQueue({ directory });
    await q.push({ opEndpoint: 'https://op.example/stale', version: '2.0' });
    const { mkdirSync, utimesSync } = await import('node:fs');
    mkdirSync(join(directory, 'consumer-worker.lock'));
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(directory, 'consumer-worker.lock'), old, old);
    const got = await q.take(1);
    assert.equal(got[0]?.opEndpoint, 'https://op.example/stale');
    await q.ack(got);
  });
});

describe('SQL queue schema', () => {
  test('a version 1 database (associations and nonces only) is migrated to version 2 by the queue', async () => {
    const { default: Database } = await import('better-sqlite3');
    const path = join(dir, 'v1.db');
    const db = new Database(path);
    db.exec(`CREATE TABLE openid2_schema (version INTEGER NOT NULL);
             INSERT INTO openid2_schema (version) VALUES (1);`);
    db.close();
    const q = new SQLiteQueue({ path });
    await q.push({ opEndpoint: 'https://op.example/v1', version: '2.0' });
    const got = await q.take(1);
    assert.equal(got[0]?.opEndpoint, 'https://op.example/v1');
    await q.ack(got);
    await q.close();
    const check = new Database(path, { readonly: true });
    const row = check.prepare('SELECT MAX(version) AS v FROM openid2_schema').get() as { v: number };
    check.close();
    assert.equal(SCHEMA_VERSION, 2);
    assert.equal(row.v, 2);
  });

  test('a database of a newer schema is refused, not written', async () => {
    const { default: Database } = await import('better-sqlite3');
    const path = join(dir, 'v9.db');
    const db = new Database(path);
    db.exec(`CREATE TABLE openid2_schema (version INTEGER NOT NULL);
             INSERT INTO openid2_schema (version) VALUES (9);`);
    db.close();
    const q = new SQLiteQueue({ path });
    await assert.rejects(
      () => q.push({ opEndpoint: 'https://op.example/v9', version: '2.0' }),
      (e: Error & { code?: string }) => e.code === 'store_schema_newer' && /newer/.test(e.message),
    );
    await q.close();
  });
});

describe('PostgresQueue', async () => {
  const skip = await serviceSkip('postgres');
  test('refuses a pool of one connection: the LISTEN connection would starve every query', () => {
    assert.throws(
      () => new PostgresQueue({ connectionString: 'postgres://app@127.0.0.1:1/app', max: 1 }),
      TypeError,
    );
  });

  /** Raw SQL on a database, outside the code under test. */
  async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(text)).rows;
    } finally {
      await c.end();
    }
  }

  /** 4 stores and 4 queues each doing one operation at the same moment. */
  async function startTogether(url: string): Promise<void> {
    const stores = Array.from({ length: 4 }, () => new PostgresStore({ connectionString: url, max: 2 }));
    const queues = Array.from({ length: 4 }, () => new PostgresQueue({ connectionString: url, max: 2 }));
    try {
      const now = Math.floor(Date.now() / 1000);
      const results = await Promise.allSettled([
        ...stores.map((s, i) => s.useNonce('https://op.example/', now, `s${i}`)),
        ...queues.map((q, i) => q.push({ opEndpoint: `https://op.example/q${i}`, version: '2.0' })),
      ]);
      assert.deepEqual(
        results.map((r) => (r.status === 'fulfilled' ? 'ok' : String(r.reason))),
        results.map(() => 'ok'),
      );
    } finally {
      for (const s of stores) await s.close();
      for (const q of queues) await q.close();
    }
  }

  test('stores and queues starting together on a fresh database: all work, the version is recorded once', {
    skip,
  }, async () => {
    const db = await tempPostgres();
    try {
      await startTogether(db.url);
      // The version check and insert run under the advisory lock too: one row, not one per process.
      assert.deepEqual(await sql(db.url, 'SELECT version FROM openid2_schema'), [
        { version: SCHEMA_VERSION },
      ]);
      assert.equal((await sql(db.url, 'SELECT id FROM openid2_queue')).length, 4);
    } finally {
      await db.drop();
    }
  });

  test('stores and queues starting together on a version 1 database migrate it once', { skip }, async () => {
    const db = await tempPostgres();
    try {
      await sql(
        db.url,
        'CREATE TABLE openid2_schema (version INTEGER NOT NULL); INSERT INTO openid2_schema (version) VALUES (1)',
      );
      await startTogether(db.url);
      assert.deepEqual(await sql(db.url, 'SELECT version FROM openid2_schema'), [
        { version: SCHEMA_VERSION },
      ]);
      assert.equal((await sql(db.url, 'SELECT id FROM openid2_queue')).length, 4);
    } finally {
      await db.drop();
    }
  });

  test('a database that accepts connections and never answers fails a push after the connect timeout', {
    timeout: 20_000, // a hang fails the test
  }, async () => {
    const held = new Set<Socket>();
    const silent = createServer((sock) => {
      held.add(sock); // never a byte back
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const q = new PostgresQueue({
      connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
      connectionTimeoutMillis: 300,
    });
    try {
      await assert.rejects(q.push({ opEndpoint: 'https://op.example/t', version: '2.0' }), (e: unknown) => {
        assert.ok(e instanceof StoreError);
        assert.equal(e.code, 'store_unavailable');
        assert.match(e.message, /timeout/i);
        return true;
      });
    } finally {
      await q.close();
      for (const s of held) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe('RedisQueue', async () => {
  const skip = await serviceSkip('redis');
  test('an id moved to processing by a taker that died before writing its lease is handed out again', {
    skip,
  }, async () => {
    const p = await tempRedisPrefix();
    const { Redis } = await import('ioredis');
    const raw = new Redis(REDIS_URL);
    const q = new RedisQueue({ url: REDIS_URL, keyPrefix: p.prefix, leaseMs: 200 });
    try {
      await q.push({ opEndpoint: 'https://op.example/orphan', version: '2.0' });
      // What BLMOVE did before the taker died: the id is in processing, no lease written.
      const id = await raw.lmove(
        `${p.prefix}{queue}:waiting`,
        `${p.prefix}{queue}:processing`,
        'RIGHT',
        'LEFT',
      );
      assert.ok(id);
      assert.deepEqual(await q.take(1), [], 'the first look gives it a lease starting now');
      await new Promise((r) => setTimeout(r, 350));
      const got = await q.take(1);
      assert.equal(got[0]?.opEndpoint, 'https://op.example/orphan');
      await q.ack(got);
      assert.equal(await raw.llen(`${p.prefix}{queue}:processing`), 0);
      assert.equal(await raw.hlen(`${p.prefix}{queue}:entries`), 0);
    } finally {
      await q.close();
      await raw.quit();
      await p.drop();
    }
  });
});
