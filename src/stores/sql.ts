/**
 * One SQL implementation of the store contract for SQLite, PostgreSQL and
 * MySQL/MariaDB, over a tiny driver interface each backend module provides.
 * Keys are SHA-256 hashes of the inputs, so URLs, handles and salts of any
 * length or content fit fixed-size primary keys; nonce uniqueness is a
 * primary key with an insert-if-absent, atomic on every backend.
 */
import { Association, isValidHandle } from '../protocol/association.js';
import type { AssociationType } from '../protocol/constants.js';
import { StoreError } from '../protocol/errors.js';
import {
  type AssociationCache,
  type AssociationCacheOptions,
  associationCacheOf,
} from './association-cache.js';
import {
  CleanupSchedule,
  checkNonceInput,
  checkServerUrl,
  cleanupScheduleOptions,
  clock,
  hashKey,
  NONCE_CLEANUP_MARGIN,
  STORE_NONCE_SKEW,
  type StoreBaseOptions,
  withDeadline,
  wrapError,
} from './common.js';
import { MYSQL_BINARY_TEXT, migrateMysqlKeyCollation } from './mysql-keys.js';
import {
  importPythonOpenIDTables,
  type PythonOpenIDImportOptions,
  type PythonOpenIDImportResult,
} from './python-import.js';
import type { OpenIDStore } from './store.js';

export type SqlKind = 'sqlite' | 'pg' | 'mysql';

/** Run one statement with `?` placeholders. */
export type SqlRun = (
  sql: string,
  params?: readonly unknown[],
) => Promise<{ rows: Record<string, unknown>[]; changes: number }>;

/** What a backend gives the SQL store and queue: run one statement with `?` placeholders. */
export interface SqlDriver {
  readonly kind: SqlKind;
  /** Where the database is (host and database, or file path; never a password), for errors. */
  readonly where: string;
  /** Deadline of one operation in milliseconds (`store_unavailable` past it). */
  readonly timeoutMs: number;
  run: SqlRun;
  /**
   * Run `fn` on one connection, in one transaction, holding a database-wide
   * lock named `name`. Only backends whose schema creation races need it
   * (PostgreSQL); without it, the schema is created statement by statement.
   */
  exclusive?<T>(name: string, fn: (run: SqlRun) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Options of the SQL stores. */
export interface SqlStoreOptions extends StoreBaseOptions {
  /** Prefix of the table names. Default `openid2_`. */
  tablePrefix?: string;
  /**
   * Keep associations read or stored here in a bounded in-process cache, so
   * a login with a held association costs one statement (the nonce insert).
   * `false` reads every association from the database. Default on; see
   * association-cache.ts for what another process's removal means.
   */
  associationCache?: AssociationCacheOptions | false;
}

/**
 * The schema version this code writes; older recorded versions are migrated
 * on first use. 1: associations and nonces; 2: adds the association queue.
 */
export const SCHEMA_VERSION = 2;

function schema(kind: SqlKind, p: string): string[] {
  const blob = kind === 'pg' ? 'BYTEA' : kind === 'mysql' ? 'VARBINARY(64)' : 'BLOB';
  // MySQL key columns compare byte for byte (see mysql-keys.ts); SQLite and PostgreSQL TEXT already do.
  const key = kind === 'mysql' ? `CHAR(64) ${MYSQL_BINARY_TEXT}` : 'TEXT';
  const handle = kind === 'mysql' ? `VARCHAR(255) ${MYSQL_BINARY_TEXT}` : 'TEXT';
  const token = kind === 'mysql' ? `VARCHAR(32) ${MYSQL_BINARY_TEXT}` : 'VARCHAR(32)';
  const big = kind === 'sqlite' ? 'INTEGER' : 'BIGINT';
  const serial =
    kind === 'pg'
      ? 'BIGSERIAL PRIMARY KEY'
      : kind === 'mysql'
        ? 'BIGINT AUTO_INCREMENT PRIMARY KEY'
        : 'INTEGER PRIMARY KEY AUTOINCREMENT';
  return [
    `CREATE TABLE IF NOT EXISTS ${p}schema (version INTEGER NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS ${p}associations (
      url_hash ${key} NOT NULL, handle ${handle} NOT NULL, server_url TEXT NOT NULL,
      secret ${blob} NOT NULL, issued ${big} NOT NULL, lifetime ${big} NOT NULL, expires ${big} NOT NULL,
      assoc_type VARCHAR(16) NOT NULL, PRIMARY KEY (url_hash, handle))`,
    `CREATE TABLE IF NOT EXISTS ${p}nonces (
      nonce_hash ${key} NOT NULL PRIMARY KEY, timestamp ${big} NOT NULL)`,
    // Version 2. lease_until is in milliseconds; 0 means waiting.
    `CREATE TABLE IF NOT EXISTS ${p}queue (
      id ${serial}, url_hash ${key} NOT NULL, entry TEXT NOT NULL,
      lease_until ${big} NOT NULL DEFAULT 0, lease_token ${token} NULL)`,
  ];
}

/** Check a table-name prefix: it is pasted into SQL, so only a plain identifier passes. */
export function checkTablePrefix(prefix: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,30}$/.test(prefix))
    throw new TypeError('tablePrefix must be a plain SQL identifier prefix');
  return prefix;
}

/**
 * Create the schema, or migrate it by its recorded version. The store and
 * the queue both call it, so either may be first on a new database.
 *
 * On PostgreSQL, concurrent `CREATE TABLE IF NOT EXISTS` races (a duplicate
 * key in `pg_type`) when many processes start on a fresh database, and two
 * processes could both record or migrate the version: the whole of it, DDL,
 * version check and the 1 → 2 migration, runs in one transaction under an
 * advisory lock (`SqlDriver.exclusive`), which ends with the transaction.
 */
export async function migrateSchema(driver: SqlDriver, prefix: string): Promise<void> {
  if (driver.exclusive) {
    await driver.exclusive(`openid2 schema ${prefix}`, (run) => migrateWith(run, driver.kind, prefix));
  } else {
    await migrateWith((sql, params) => driver.run(sql, params), driver.kind, prefix);
  }
}

async function migrateWith(run: SqlRun, kind: SqlKind, prefix: string): Promise<void> {
  for (const sql of schema(kind, prefix)) await run(sql);
  // Tables made before key columns were binary on MySQL: altered once, whatever the version.
  if (kind === 'mysql') await migrateMysqlKeyCollation(run, prefix);
  const { rows } = await run(`SELECT version FROM ${prefix}schema`);
  const current = rows.length === 0 ? 0 : Math.max(...rows.map((r) => Number(r['version'])));
  if (current === 0) await run(`INSERT INTO ${prefix}schema (version) VALUES (?)`, [SCHEMA_VERSION]);
  else if (current > SCHEMA_VERSION)
    throw new StoreError(
      'store_schema_newer',
      `schema version ${current} is newer than this openid2 understands (${SCHEMA_VERSION})`,
    );
  // 1 → 2: the queue table, created above by CREATE TABLE IF NOT EXISTS.
  else if (current < 2) await run(`UPDATE ${prefix}schema SET version = ?`, [SCHEMA_VERSION]);
}

/**
 * The schema the SQL store and the SQL queue share: migrated once, on first
 * use (a failed migration is tried again next time), and every statement run
 * after it with driver errors turned into `StoreError` saying what was being done.
 */
export class SqlTables {
  #ready: Promise<void> | null = null;

  constructor(
    private readonly driver: SqlDriver,
    private readonly prefix: string,
  ) {}

  /** Create the schema, or migrate it by its recorded version. */
  migrate(): Promise<void> {
    this.#ready ??= migrateSchema(this.driver, this.prefix).catch((e: unknown) => {
      this.#ready = null;
      throw e;
    });
    return this.#ready;
  }

  /**
   * Run one statement after the migration; `what` names the operation in
   * errors. The migration and the statement together have the driver's
   * deadline: a frozen server fails the call as `store_unavailable` in time.
   */
  async run(what: string, sql: string, params: readonly unknown[] = []): ReturnType<SqlRun> {
    const work = (async () => {
      await this.migrate();
      return await this.driver.run(sql, params);
    })();
    try {
      return await withDeadline(work, this.driver.timeoutMs, what, this.driver.where);
    } catch (e) {
      throw wrapError(e, `${what} (${this.driver.where})`);
    }
  }
}

/** The shared SQL store; use SQLiteStore, PostgresStore or MySQLStore. */
export class SqlStore implements OpenIDStore {
  readonly #driver: SqlDriver;
  readonly #p: string;
  readonly #now: () => number;
  readonly #skew: number;
  readonly #tables: SqlTables;
  /** Cleanup compares with the database's clock unless the app injected one (tests). */
  readonly #dbClock: boolean;
  readonly #cleanup: CleanupSchedule;
  readonly #cache: AssociationCache | null;

  constructor(driver: SqlDriver, options: SqlStoreOptions = {}) {
    this.#driver = driver;
    this.#cache = associationCacheOf(options.associationCache);
    this.#p = checkTablePrefix(options.tablePrefix ?? 'openid2_');
    this.#tables = new SqlTables(driver, this.#p);
    this.#now = clock(options);
    this.#dbClock = options.now === undefined;
    this.#skew = options.nonceSkewSeconds ?? STORE_NONCE_SKEW;
    this.#cleanup = new CleanupSchedule(cleanupScheduleOptions(options), async () => {
      await this.cleanupNonces();
      await this.cleanupAssociations();
    });
  }

  /** A whole-number parameter (PostgreSQL cannot infer the type of `? - ?`). */
  #int(): string {
    return this.#driver.kind === 'mysql' ? 'CAST(? AS SIGNED)' : 'CAST(? AS BIGINT)';
  }

  /** Now in Unix seconds, as SQL: the database's clock, the same for every process sharing it. */
  #nowSql(): { sql: string; params: number[] } {
    if (!this.#dbClock) return { sql: this.#int(), params: [this.#now()] };
    const kind = this.#driver.kind;
    const sql =
      kind === 'pg'
        ? 'CAST(EXTRACT(EPOCH FROM now()) AS BIGINT)'
        : kind === 'mysql'
          ? 'UNIX_TIMESTAMP()'
          : "CAST(strftime('%s','now') AS INTEGER)";
    return { sql, params: [] };
  }

  /** Create the schema, or migrate it by its recorded version. Runs once, on first use. */
  migrate(): Promise<void> {
    return this.#tables.migrate();
  }

  #run(what: string, sql: string, params: readonly unknown[] = []) {
    return this.#tables.run(what, sql, params);
  }

  async storeAssociation(serverUrl: string, a: Association): Promise<void> {
    checkServerUrl(serverUrl);
    const k = hashKey(serverUrl);
    const p = this.#p;
    const cols = '(url_hash, handle, server_url, secret, issued, lifetime, expires, assoc_type)';
    const values = [
      k,
      a.handle,
      serverUrl,
      Buffer.from(a.secret),
      a.issued,
      a.lifetime,
      a.expiresAt,
      a.assocType,
    ];
    const kind = this.#driver.kind;
    const sql =
      kind === 'pg'
        ? `INSERT INTO ${p}associations ${cols} VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url_hash, handle) DO UPDATE SET
           secret = EXCLUDED.secret, issued = EXCLUDED.issued, lifetime = EXCLUDED.lifetime, expires = EXCLUDED.expires,
           assoc_type = EXCLUDED.assoc_type`
        : kind === 'mysql'
          ? `REPLACE INTO ${p}associations ${cols} VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
          : `INSERT OR REPLACE INTO ${p}associations ${cols} VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
    await this.#run('storing an association', sql, values);
    this.#cache?.set(serverUrl, a, this.#now());
    this.#cleanup.maybeRun();
  }

  async getAssociation(serverUrl: string, handle?: string): Promise<Association | null> {
    checkServerUrl(serverUrl);
    if (handle !== undefined && !isValidHandle(handle)) return null;
    const now = this.#now();
    const cached = handle === undefined ? null : (this.#cache?.get(serverUrl, handle, now) ?? null);
    if (cached) return cached;
    const { rows } =
      handle === undefined
        ? await this.#run(
            'reading associations',
            `SELECT * FROM ${this.#p}associations WHERE url_hash = ? AND expires > ? ORDER BY issued DESC LIMIT 1`,
            [hashKey(serverUrl), now],
          )
        : await this.#run(
            'reading an association',
            `SELECT * FROM ${this.#p}associations WHERE url_hash = ? AND handle = ? AND expires > ?`,
            [hashKey(serverUrl), handle, now],
          );
    const row = rows[0];
    if (!row) return null;
    // Whatever the database's collation, only the exact handle asked for is an answer.
    if (handle !== undefined && String(row['handle']) !== handle) return null;
    let a: Association;
    try {
      a = new Association({
        handle: String(row['handle']),
        secret: new Uint8Array(row['secret'] as Buffer),
        issued: Number(row['issued']),
        lifetime: Number(row['lifetime']),
        assocType: String(row['assoc_type']) as AssociationType,
      });
    } catch {
      return null; // a corrupt row is never used
    }
    this.#cache?.set(serverUrl, a, now);
    return a;
  }

  async removeAssociation(serverUrl: string, handle: string): Promise<boolean> {
    checkServerUrl(serverUrl);
    if (!isValidHandle(handle)) return false;
    // Forgotten here first: even when the delete fails, this process no longer trusts it.
    this.#cache?.delete(serverUrl, handle);
    const r = await this.#run(
      'removing an association',
      `DELETE FROM ${this.#p}associations WHERE url_hash = ? AND handle = ?`,
      [hashKey(serverUrl), handle],
    );
    return r.changes > 0;
  }

  async useNonce(serverUrl: string, timestamp: number, salt: string): Promise<boolean> {
    checkServerUrl(serverUrl);
    checkNonceInput(timestamp, salt);
    this.#cleanup.maybeRun();
    return this.#insertNonce(serverUrl, timestamp, salt);
  }

  /** Insert if absent, atomically: true when this call inserted it. */
  async #insertNonce(serverUrl: string, timestamp: number, salt: string): Promise<boolean> {
    const kind = this.#driver.kind;
    const insert =
      kind === 'pg'
        ? `INSERT INTO ${this.#p}nonces (nonce_hash, timestamp) VALUES (?, ?) ON CONFLICT DO NOTHING`
        : kind === 'mysql'
          ? `INSERT IGNORE INTO ${this.#p}nonces (nonce_hash, timestamp) VALUES (?, ?)`
          : `INSERT OR IGNORE INTO ${this.#p}nonces (nonce_hash, timestamp) VALUES (?, ?)`;
    const r = await this.#run('recording a nonce', insert, [hashKey(serverUrl, timestamp, salt), timestamp]);
    return r.changes === 1;
  }

  /**
   * Remove nonces older than the window plus a one-hour margin (`NONCE_CLEANUP_MARGIN`),
   * by the database's clock: a process whose own clock is off (by up to the
   * margin) neither deletes a nonce still inside the window nor accepts it again.
   */
  async cleanupNonces(): Promise<number> {
    const now = this.#nowSql();
    const r = await this.#run(
      'cleaning nonces',
      `DELETE FROM ${this.#p}nonces WHERE timestamp < ${now.sql} - ${this.#int()}`,
      [...now.params, this.#skew + NONCE_CLEANUP_MARGIN],
    );
    return r.changes;
  }

  /** Remove expired associations, by the database's clock. */
  async cleanupAssociations(): Promise<number> {
    const now = this.#nowSql();
    const r = await this.#run(
      'cleaning associations',
      `DELETE FROM ${this.#p}associations WHERE expires <= ${now.sql}`,
      now.params,
    );
    return r.changes;
  }

  /**
   * Copy the associations and used nonces of a python-openid SQL store
   * (`openid.store.sqlstore`: tables `oid_associations` and `oid_nonces`) into
   * this store, so a site moving from Python keeps its associations with
   * providers and refuses replays of assertions Python already accepted.
   *
   * The python-openid tables must be readable through this store's
   * connection: the same database, or a qualified name (an `ATTACH`ed SQLite
   * file, a PostgreSQL schema, another MySQL database). They are only read.
   * Expired associations and nonces outside the window are left behind; a
   * re-run imports the same rows again without duplicates.
   *
   * @throws StoreError `store_import_unsupported` for a python-openid 1.x
   *   store (run its `upgrade-store-1.1-to-2.0` first), `store_import_failed`
   *   when a table cannot be read, `store_unavailable` when the database is down.
   *
   * @example
   * const store = new PostgresStore({ connectionString });
   * const r = await store.importPythonOpenID();
   * console.log(`${r.associations.imported} associations, ${r.nonces.imported} nonces`);
   */
  async importPythonOpenID(options: PythonOpenIDImportOptions = {}): Promise<PythonOpenIDImportResult> {
    await this.#run('preparing the import', 'SELECT 1');
    return importPythonOpenIDTables(
      {
        select: async (sql) => {
          try {
            return (await this.#driver.run(sql)).rows;
          } catch (e) {
            throw wrapError(e, 'reading the python-openid tables');
          }
        },
        now: this.#now,
        skew: this.#skew,
        storeAssociation: (serverUrl, a) => this.storeAssociation(serverUrl, a),
        recordNonce: async (serverUrl, timestamp, salt) => {
          checkServerUrl(serverUrl);
          await this.#insertNonce(serverUrl, timestamp, salt);
        },
      },
      options,
    );
  }

  async close(): Promise<void> {
    await this.#driver.close();
  }
}
