/**
 * MySQL / MariaDB store (`openid2/mysql`, mysql2): pooled and shared like the
 * PostgreSQL store; nonce uniqueness by primary key and `INSERT IGNORE`.
 *
 * @example
 * import { MySQLStore } from 'openid2/mysql';
 * const store = new MySQLStore({ uri: 'mysql://app:secret@db/app' });
 *
 * @module openid2/mysql
 */
import type mysql from 'mysql2/promise';
import { SqlQueue, type SqlQueueOptions } from '../background/sql-queue.js';
import { loadDriver, timeoutOf } from '../stores/common.js';
import { type SqlDriver, SqlStore, type SqlStoreOptions } from '../stores/sql.js';

export interface MySQLStoreOptions extends SqlStoreOptions {
  /** `mysql://…`; its password never appears in errors. */
  uri?: string;
  /** An existing pool to share (the app keeps ownership). */
  pool?: mysql.Pool;
  /** Pool size when the store makes its own. Default 10. */
  connectionLimit?: number;
}

/** Host, port and database of a connection URI, for errors (no user, no password). */
function mysqlWhere(options: { uri?: string; pool?: mysql.Pool }): string {
  try {
    if (options.uri) {
      const u = new URL(options.uri);
      return `MySQL at ${u.host}${u.pathname}`;
    }
  } catch {
    return 'MySQL';
  }
  return options.pool ? "MySQL (the application's pool)" : 'MySQL';
}

/** The mysql2 driver the MySQL store and queue run on. */
function mysqlDriver(options: {
  uri?: string;
  pool?: mysql.Pool;
  connectionLimit?: number;
  timeoutMs?: number;
}): SqlDriver {
  const timeoutMs = timeoutOf(options);
  const own = options.pool === undefined;
  const pool =
    options.pool ??
    loadDriver<typeof mysql>('mysql2/promise', 'MySQLStore').createPool({
      uri: options.uri as string,
      connectionLimit: options.connectionLimit ?? 10,
      connectTimeout: timeoutMs,
    });
  return {
    kind: 'mysql',
    where: mysqlWhere(options),
    timeoutMs,
    async run(sql, params = []) {
      // mysql2 gives up on the answer at the deadline (and drops that connection).
      const [result] = await pool.query({ sql, timeout: timeoutMs }, params as unknown[]);
      if (Array.isArray(result)) return { rows: result as Record<string, unknown>[], changes: 0 };
      return { rows: [], changes: (result as { affectedRows: number }).affectedRows };
    },
    async close() {
      if (own) await pool.end();
    },
  };
}

/** An `OpenIDStore` in MySQL or MariaDB, shared by every process; creates its tables on first use. */
export class MySQLStore extends SqlStore {
  constructor(options: MySQLStoreOptions) {
    super(mysqlDriver(options), options);
  }
}

/** Options of `MySQLQueue`. */
export interface MySQLQueueOptions extends SqlQueueOptions {
  /** `mysql://…`; its password never appears in errors. */
  uri?: string;
  /** An existing pool to share (the app keeps ownership). */
  pool?: mysql.Pool;
  /** Pool size when the queue makes its own. Default 2. */
  connectionLimit?: number;
}

/**
 * The association queue as a table in the MySQL/MariaDB database of the
 * store; a waiting worker polls with back-off (DESIGN.md §5).
 *
 * @example
 * import { MySQLQueue } from 'openid2/mysql';
 * const queue = new MySQLQueue({ uri: process.env.DATABASE_URL });
 */
export class MySQLQueue extends SqlQueue {
  constructor(options: MySQLQueueOptions) {
    super(mysqlDriver({ ...options, connectionLimit: options.connectionLimit ?? 2 }), options);
  }
}
