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
import type pg from 'pg';
import { LocalWakeup } from '../background/queue.js';
import { SqlQueue, type SqlQueueOptions } from '../background/sql-queue.js';
import { loadDriver, redact, timeoutOf } from '../stores/common.js';
import { type SqlDriver, SqlStore, type SqlStoreOptions } from '../stores/sql.js';

export interface PostgresStoreOptions extends SqlStoreOptions {
  /** `postgres://…`; its password never appears in errors. */
  connectionString?: string;
  /** An existing pool to share (the app keeps ownership). */
  pool?: pg.Pool;
  /** Pool size when the store makes its own. Default 10. */
  max?: number;
  /**
   * Give up connecting after this many milliseconds (pg's own default is to
   * wait forever, so an unreachable database would hang logins). Default
   * `timeoutMs`.
   */
  connectionTimeoutMillis?: number;
}

/** `?` placeholders to PostgreSQL's `$n`. */
function numbered(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

/** Host, port and database of a connection string, for errors (no user, no password). */
function pgWhere(options: { connectionString?: string; pool?: pg.Pool }): string {
  try {
    if (options.connectionString) {
      const u = new URL(options.connectionString);
      return `PostgreSQL at ${u.host}${u.pathname}`;
    }
  } catch {
    return redact('PostgreSQL');
  }
  return options.pool ? "PostgreSQL (the application's pool)" : 'PostgreSQL';
}

/** The pg driver the PostgreSQL store and queue run on, and its pool. */
function pgDriver(
  options: {
    connectionString?: string;
    pool?: pg.Pool;
    max?: number;
    connectionTimeoutMillis?: number;
    timeoutMs?: number;
  },
  defaultMax: number,
) {
  const timeoutMs = timeoutOf(options);
  const own = options.pool === undefined;
  const pool =
    options.pool ??
    new (loadDriver<typeof pg>('pg', 'PostgresStore').Pool)({
      connectionString: options.connectionString,
      max: options.max ?? defaultMax,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? timeoutMs,
      // The server gives up on a statement, and the client on an answer, at the deadline.
      statement_timeout: timeoutMs,
      query_timeout: timeoutMs,
    });
  // A dropped idle connection must not crash the process; the next query reconnects.
  if (own) pool.on('error', () => {});
  const rowsOf = (r: pg.QueryResult) => ({
    rows: r.rows as Record<string, unknown>[],
    changes: r.rowCount ?? 0,
  });
  const driver: SqlDriver = {
    kind: 'pg',
    where: pgWhere(options),
    timeoutMs,
    async run(sql, params = []) {
      return rowsOf(await pool.query(numbered(sql), params as unknown[]));
    },
    async exclusive(name, fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        // Transaction-scoped: COMMIT or ROLLBACK releases it, even if this process dies.
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
        const result = await fn(async (sql, params = []) =>
          rowsOf(await client.query(numbered(sql), params as unknown[])),
        );
        await client.query('COMMIT');
        return result;
      } catch (e) {
        await client.query('ROLLBACK').catch((r: unknown) => {
          // A connection that cannot roll back is not handed out again.
          broken = r instanceof Error ? r : new Error(String(r));
        });
        throw e;
      } finally {
        client.release(broken);
      }
    },
    async close() {
      if (own) await pool.end();
    },
  };
  return { driver, pool };
}

/** An `OpenIDStore` in PostgreSQL, shared by every process; creates its tables on first use. */
export class PostgresStore extends SqlStore {
  constructor(options: PostgresStoreOptions) {
    super(pgDriver(options, 10).driver, options);
  }
}

/** Options of `PostgresQueue`. */
export interface PostgresQueueOptions extends SqlQueueOptions {
  /** `postgres://…`; its password never appears in errors. */
  connectionString?: string;
  /** An existing pool to share (the app keeps ownership); one connection stays out of it for LISTEN. */
  pool?: pg.Pool;
  /** Pool size when the queue makes its own. Default 3 (one of them listens). */
  max?: number;
  /** Give up connecting after this many milliseconds, as the store. Default 10000. */
  connectionTimeoutMillis?: number;
}

/**
 * The association queue as a table in the PostgreSQL database of the store.
 * A push sends NOTIFY on a channel named after the table prefix; a waiting
 * worker LISTENs on it, so it wakes at once instead of polling (it still
 * looks once a second for leases that ran out). DESIGN.md §5.
 *
 * @example
 * import { PostgresQueue } from 'openid2/postgres';
 * const queue = new PostgresQueue({ connectionString: process.env.DATABASE_URL });
 */
export class PostgresQueue extends SqlQueue {
  readonly #pool: pg.Pool;
  readonly #channel: string;
  #listener: Promise<pg.PoolClient> | null = null;
  readonly #notified = new LocalWakeup();

  constructor(options: PostgresQueueOptions) {
    const { driver, pool } = pgDriver(options, 3);
    // One connection stays checked out for LISTEN: with a pool of one, every other query would wait forever.
    if ((pool.options.max ?? 10) < 2)
      throw new TypeError('PostgresQueue needs a pool of at least 2 connections (one of them listens)');
    super(driver, options);
    this.#pool = pool;
    this.#channel = `${this.tablePrefix}queue`.toLowerCase();
  }

  protected override async afterPush(): Promise<void> {
    await this.#pool.query('SELECT pg_notify($1, $2)', [this.#channel, '']);
  }

  #listen(): Promise<pg.PoolClient> {
    this.#listener ??= (async () => {
      const client = await this.#pool.connect();
      client.on('notification', (n) => {
        if (n.channel === this.#channel) this.#notified.wake();
      });
      client.on('error', () => {
        // The connection broke: the next wait listens on a fresh one.
        this.#listener = null;
        client.release(true);
      });
      // The channel is a checked identifier (the table prefix), quoted for safety all the same.
      await client.query(`LISTEN "${this.#channel}"`);
      return client;
    })().catch((e: unknown) => {
      this.#listener = null;
      throw e;
    });
    return this.#listener;
  }

  protected override async waitForPush(ms: number, signal?: AbortSignal): Promise<void> {
    try {
      await this.#listen();
    } catch {
      // Cannot listen now: fall back to polling.
    }
    await this.#notified.wait(ms, signal);
  }

  /** Stop listening and end the queue's own pool (a shared pool stays open). */
  override async close(): Promise<void> {
    const l = this.#listener;
    this.#listener = null;
    if (l) {
      const client = await l.catch(() => null);
      if (client) {
        await client.query(`UNLISTEN "${this.#channel}"`).catch(() => {});
        client.release();
      }
    }
    await super.close();
  }
}
