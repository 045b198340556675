/**
 * Import of a python-openid SQL store (`openid.store.sqlstore`): its
 * `oid_associations (server_url, handle, secret, issued, lifetime,
 * assoc_type)` and `oid_nonces (server_url, timestamp, salt)` tables, so a
 * site moving from Python keeps its associations and its replay protection.
 *
 * The SQL store exposes this as {@link SqlStore.importPythonOpenID}; this
 * module holds the row conversion, which is the same for every backend.
 */
import { Association } from '../protocol/association.js';
import type { AssociationType } from '../protocol/constants.js';
import { StoreError } from '../protocol/errors.js';
import { inNonceWindow, redact } from './common.js';

/** Where the python-openid tables are. */
export interface PythonOpenIDImportOptions {
  /**
   * The associations table: python-openid's default `oid_associations`. May be
   * qualified (`legacy.oid_associations`: an attached SQLite file, a
   * PostgreSQL schema, another MySQL database).
   */
  associationsTable?: string;
  /** The nonces table: python-openid's default `oid_nonces`; may be qualified. */
  noncesTable?: string;
}

/** What an import did; counts of rows. */
export interface PythonOpenIDImportResult {
  /** Rows of the associations table. */
  associations: {
    /** Stored in this store (a re-run stores the same rows again). */
    imported: number;
    /** Already expired: left behind. */
    expired: number;
    /** Unusable (unknown type, wrong secret length, bad handle or server URL): left behind. */
    invalid: number;
  };
  /** Rows of the nonces table. */
  nonces: {
    /** Recorded as used in this store. */
    imported: number;
    /**
     * Read but ahead of this store's nonce window (a clock running fast). Rows
     * older than the window are not read at all: they could never be accepted.
     */
    outsideWindow: number;
    /**
     * Unusable: among them OpenID 1 nonces, which python-openid keeps under an
     * empty server URL and its own `janrain_nonce` parameter, so no openid2
     * login can ever present them.
     */
    invalid: number;
  };
}

/** What the SQL store lends the importer. */
export interface ImportTarget {
  select(sql: string): Promise<Record<string, unknown>[]>;
  now(): number;
  skew: number;
  storeAssociation(serverUrl: string, a: Association): Promise<void>;
  recordNonce(serverUrl: string, timestamp: number, salt: string): Promise<void>;
}

const TABLE_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/;

function tableName(name: string): string {
  if (!TABLE_RE.test(name))
    throw new TypeError('python-openid table names must be plain SQL identifiers (optionally qualified)');
  return name;
}

/** Text columns come back as strings, or as Buffers where python-openid used BLOB (MySQL server_url). */
function text(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return null;
}

/** Secrets are BLOB/BYTEA (bytes); a TEXT column from an old SQLite build holds the bytes as latin1. */
function bytes(v: unknown): Uint8Array | null {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  return null;
}

function int(v: unknown): number | null {
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) ? n : null;
}

/** Run a probe; a failure means "this table or column is not there", never a driver crash. */
async function probe(target: ImportTarget, sql: string): Promise<unknown> {
  try {
    await target.select(sql);
    return null;
  } catch (e) {
    return e;
  }
}

async function checkLayout(
  target: ImportTarget,
  table: string,
  columns: string,
  what: string,
): Promise<void> {
  const wanted = await probe(target, `SELECT ${columns} FROM ${table} WHERE 1 = 0`);
  if (!wanted) return;
  const any = await probe(target, `SELECT * FROM ${table} WHERE 1 = 0`);
  if (any) {
    const msg = any instanceof Error ? any.message : String(any);
    throw new StoreError('store_import_failed', redact(`cannot read the ${what} table ${table}: ${msg}`), {
      cause: any,
    });
  }
  // The table exists without python-openid 2.x columns: a 1.x store (nonce, expires).
  throw new StoreError(
    'store_import_unsupported',
    `${table} does not have python-openid 2.x columns (${columns}); upgrade the store with ` +
      "python-openid's contrib/upgrade-store-1.1-to-2.0 first",
  );
}

/**
 * Copy python-openid's associations and nonces into `target`. Expired
 * associations, nonces outside the window and unusable rows are counted and
 * left behind; the python-openid tables are only read.
 */
export async function importPythonOpenIDTables(
  target: ImportTarget,
  options: PythonOpenIDImportOptions = {},
): Promise<PythonOpenIDImportResult> {
  const assocTable = tableName(options.associationsTable ?? 'oid_associations');
  const nonceTable = tableName(options.noncesTable ?? 'oid_nonces');
  const assocCols = 'server_url, handle, secret, issued, lifetime, assoc_type';
  const nonceCols = 'server_url, timestamp, salt';
  await checkLayout(target, assocTable, assocCols, 'associations');
  await checkLayout(target, nonceTable, nonceCols, 'nonces');

  const result: PythonOpenIDImportResult = {
    associations: { imported: 0, expired: 0, invalid: 0 },
    nonces: { imported: 0, outsideWindow: 0, invalid: 0 },
  };
  const now = target.now();

  for (const row of await target.select(`SELECT ${assocCols} FROM ${assocTable}`)) {
    const serverUrl = text(row['server_url']);
    const handle = text(row['handle']);
    const secret = bytes(row['secret']);
    const issued = int(row['issued']);
    const lifetime = int(row['lifetime']);
    const type = text(row['assoc_type']);
    let a: Association;
    try {
      if (!serverUrl || handle === null || !secret || issued === null || lifetime === null || !type)
        throw new TypeError('missing column');
      a = new Association({ handle, secret, issued, lifetime, assocType: type as AssociationType });
    } catch {
      result.associations.invalid++;
      continue;
    }
    if (a.isExpired(now)) {
      result.associations.expired++;
      continue;
    }
    await target.storeAssociation(serverUrl as string, a);
    result.associations.imported++;
  }

  // Only nonces still inside the window matter: older ones fail the window check anyway.
  const since = now - target.skew;
  for (const row of await target.select(
    `SELECT ${nonceCols} FROM ${nonceTable} WHERE timestamp >= ${Math.trunc(since)}`,
  )) {
    const serverUrl = text(row['server_url']);
    const timestamp = int(row['timestamp']);
    // python-openid declares salt CHAR(40): PostgreSQL pads it with spaces. A nonce
    // salt is printable ASCII without spaces (§10.1), so trailing spaces are padding.
    const salt = text(row['salt'])?.replace(/ +$/, '');
    if (!serverUrl || timestamp === null || !salt) {
      result.nonces.invalid++;
      continue;
    }
    if (!inNonceWindow(timestamp, now, target.skew)) {
      result.nonces.outsideWindow++;
      continue;
    }
    await target.recordNonce(serverUrl, timestamp, salt);
    result.nonces.imported++;
  }
  return result;
}
