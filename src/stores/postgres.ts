/**
 * PostgreSQL store (`openid2/postgres`, pg): pooled, shared by every process
 * of every machine; a nonce is accepted once across all of them
 * (primary key + `INSERT … ON CONFLICT DO NOTHING`).
 *
 * @example
 * import { PostgresStore } from 'openid2/postgres';
 * const store = new PostgresStore({ connectionString: process.env.DATABASE_URL });
 *
 * @module openid2/postgres
 */
import pg from 'pg';
import { SqlStore, type SqlStoreOptions } from './sql.js';

export interface PostgresStoreOptions extends SqlStoreOptions {
  /** `postgres://…`; its password never appears in errors. */
  connectionString?: string;
  /** An existing pool to share (the app keeps ownership). */
  pool?: pg.Pool;
  /** Pool size when the store makes its own. Default 10. */
  max?: number;
  /**
   * Give up connecting after this many milliseconds (pg's own default is to
   * wait forever, so an unreachable database would hang logins). Default 10000.
   */
  connectionTimeoutMillis?: number;
}

/** `?` placeholders to PostgreSQL's `$n`. */
function numbered(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

/** An `OpenIDStore` in PostgreSQL, shared by every process; creates its tables on first use. */
export class PostgresStore extends SqlStore {
  constructor(options: PostgresStoreOptions) {
    const own = options.pool === undefined;
    const pool =
      options.pool ??
      new pg.Pool({
        connectionString: options.connectionString,
        max: options.max ?? 10,
        connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
      });
    // A dropped idle connection must not crash the process; the next query reconnects.
    if (own) pool.on('error', () => {});
    super(
      {
        kind: 'pg',
        async run(sql, params = []) {
          const r = await pool.query(numbered(sql), params as unknown[]);
          return { rows: r.rows as Record<string, unknown>[], changes: r.rowCount ?? 0 };
        },
        async close() {
          if (own) await pool.end();
        },
      },
      options,
    );
  }
}
