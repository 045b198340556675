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
import mysql from 'mysql2/promise';
import { SqlStore, type SqlStoreOptions } from './sql.js';

export interface MySQLStoreOptions extends SqlStoreOptions {
  /** `mysql://…`; its password never appears in errors. */
  uri?: string;
  /** An existing pool to share (the app keeps ownership). */
  pool?: mysql.Pool;
  /** Pool size when the store makes its own. Default 10. */
  connectionLimit?: number;
}

/** An `OpenIDStore` in MySQL or MariaDB, shared by every process; creates its tables on first use. */
export class MySQLStore extends SqlStore {
  constructor(options: MySQLStoreOptions) {
    const own = options.pool === undefined;
    const pool =
      options.pool ??
      mysql.createPool({ uri: options.uri as string, connectionLimit: options.connectionLimit ?? 10 });
    super(
      {
        kind: 'mysql',
        async run(sql, params = []) {
          const [result] = await pool.query(sql, params as unknown[]);
          if (Array.isArray(result)) return { rows: result as Record<string, unknown>[], changes: 0 };
          return { rows: [], changes: (result as { affectedRows: number }).affectedRows };
        },
        async close() {
          if (own) await pool.end();
        },
      },
      options,
    );
  }
}
