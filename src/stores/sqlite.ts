/**
 * SQLite store (`openid2/sqlite`, better-sqlite3): the embedded default of
 * the CLI and demo. WAL mode and a busy timeout let several processes on one
 * machine share the file; the file is created `0600` (it holds secrets).
 *
 * @example
 * import { SQLiteQueue, SQLiteStore } from 'openid2/sqlite';
 * const store = new SQLiteStore({ path: './openid2.db' });
 * const queue = new SQLiteQueue({ path: './openid2.db' }); // for associations: 'background'
 *
 * @module openid2/sqlite
 */
import { chmodSync, closeSync, existsSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SqlQueue, type SqlQueueOptions } from '../background/sql-queue.js';
import { type SqlDriver, SqlStore, type SqlStoreOptions } from './sql.js';

export interface SQLiteStoreOptions extends SqlStoreOptions {
  /** Database file, or `:memory:`. */
  path?: string;
  /** An open better-sqlite3 database to use instead (the app keeps ownership). */
  database?: Database.Database;
}

/** The better-sqlite3 driver the SQLite store and queue run on. */
function sqliteDriver(options: { path?: string; database?: Database.Database }): SqlDriver {
  let db = options.database;
  const own = db === undefined;
  if (!db) {
    const path = options.path ?? './openid2.db';
    if (path !== ':memory:' && !existsSync(path)) closeSync(openSync(path, 'a', 0o600));
    if (path !== ':memory:') chmodSync(path, 0o600);
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
  }
  const d = db;
  return {
    kind: 'sqlite',
    async run(sql, params = []) {
      const stmt = d.prepare(sql);
      const args = params.map((v) => (typeof v === 'boolean' ? Number(v) : v));
      if (stmt.reader) return { rows: stmt.all(...args) as Record<string, unknown>[], changes: 0 };
      return { rows: [], changes: stmt.run(...args).changes };
    },
    async close() {
      if (own) d.close();
    },
  };
}

/** An `OpenIDStore` in one SQLite file (better-sqlite3); creates its tables on first use. */
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
