/**
 * SQLite store (`openid2/sqlite`, better-sqlite3): the embedded default of
 * the CLI and demo. WAL mode lets several processes on one machine share the
 * file; the file is created `0600` (it holds secrets).
 *
 * better-sqlite3 is synchronous: a statement waiting for another process's
 * write lock blocks the whole event loop. So SQLite's own busy wait is
 * {@link SQLITE_BUSY_WAIT_MS} (a `database` you pass keeps its own setting:
 * set `busy_timeout` to 0 on it for the same), and a busy statement is retried
 * asynchronously with back-off until the store's deadline (`timeoutMs`),
 * then fails as `store_unavailable`.
 *
 * @example
 * import { SQLiteQueue, SQLiteStore } from 'openid2/sqlite';
 * const store = new SQLiteStore({ path: './openid2.db' });
 * const queue = new SQLiteQueue({ path: './openid2.db' }); // for associations: 'background'
 *
 * @module openid2/sqlite
 */
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { SqlQueue, type SqlQueueOptions } from '../background/sql-queue.js';
import { StoreError } from '../protocol/errors.js';
import { loadDriver, retryWhileBusy, timeoutOf } from '../stores/common.js';
import { type SqlDriver, SqlStore, type SqlStoreOptions } from '../stores/sql.js';

/**
 * SQLite's own (blocking) wait for a lock: none. Every wait is an
 * asynchronous retry, so many statements waiting at once cost the event
 * loop nothing but their retries.
 */
export const SQLITE_BUSY_WAIT_MS = 0;

export interface SQLiteStoreOptions extends SqlStoreOptions {
  /** Database file, or `:memory:`. */
  path?: string;
  /** An open better-sqlite3 database to use instead (the app keeps ownership). */
  database?: Database.Database;
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || (typeof code === 'string' && code.startsWith('SQLITE_BUSY_'));
}

/** Open (creating `0600`) the database file; a path that cannot be opened is a `StoreError`. */
function openDatabase(path: string): Database.Database {
  const Sqlite = loadDriver<typeof Database>('better-sqlite3', 'SQLiteStore');
  try {
    if (path !== ':memory:' && !existsSync(path)) closeSync(openSync(path, 'a', 0o600));
    if (path !== ':memory:') chmodSync(path, 0o600);
    const db = new Sqlite(path);
    db.pragma(`busy_timeout = ${SQLITE_BUSY_WAIT_MS}`);
    db.pragma('journal_mode = WAL');
    return db;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new StoreError('store_unavailable', `cannot open the SQLite database ${path}: ${why}`, {
      cause: e,
    });
  }
}

/** The better-sqlite3 driver the SQLite store and queue run on. */
function sqliteDriver(options: {
  path?: string;
  database?: Database.Database;
  timeoutMs?: number;
}): SqlDriver {
  const timeoutMs = timeoutOf(options);
  const own = options.database === undefined;
  const path = options.path ?? './openid2.db';
  const d = options.database ?? openDatabase(path);
  const once = (sql: string, args: unknown[]) => {
    const stmt = d.prepare(sql);
    if (stmt.reader) return { rows: stmt.all(...args) as Record<string, unknown>[], changes: 0 };
    return { rows: [], changes: stmt.run(...args).changes };
  };
  return {
    kind: 'sqlite',
    where: own ? `SQLite file ${path}` : `SQLite file ${d.name}`,
    timeoutMs,
    async run(sql, params = []) {
      const args = params.map((v) => (typeof v === 'boolean' ? Number(v) : v));
      // Another process holds the lock: wait without blocking the event loop.
      return retryWhileBusy(() => once(sql, args), isBusy, timeoutMs);
    },
    async close() {
      if (own) d.close();
    },
  };
}

/**
 * An `OpenIDStore` in one SQLite file (better-sqlite3); creates its tables on first use.
 * @throws StoreError `store_unavailable` when the file cannot be opened,
 *   `driver_missing` when better-sqlite3 is not installed.
 */
export class SQLiteStore extends SqlStore {
  constructor(options: SQLiteStoreOptions = {}) {
    super(sqliteDriver(options), options);
  }
}

/** Options of `SQLiteQueue`. */
export interface SQLiteQueueOptions extends SqlQueueOptions {
  /** Database file (usually the store's), or `:memory:`. */
  path?: string;
  /** An open better-sqlite3 database to use instead (the app keeps ownership). */
  database?: Database.Database;
}

/**
 * The association queue in a SQLite file, beside the store's tables; workers
 * on the same machine poll it with back-off (DESIGN.md §5).
 *
 * @example
 * import { SQLiteQueue } from 'openid2/sqlite';
 * const queue = new SQLiteQueue({ path: './openid2.db' });
 */
export class SQLiteQueue extends SqlQueue {
  constructor(options: SQLiteQueueOptions = {}) {
    super(sqliteDriver(options), options);
  }
}
