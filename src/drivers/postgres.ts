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

import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { LocalWakeup, sleep } from '../background/queue.js';
import { SQL_QUEUE_MAX_POLL_MS, SqlQueue, type SqlQueueOptions } from '../background/sql-queue.js';
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
  /**
   * `'transaction'` when the connection string points to a pooler in
   * transaction mode (PgBouncer's `pool_mode = transaction`): no session
   * setting is sent at connect (PgBouncer refuses `statement_timeout` as a
   * startup parameter; the client-side deadline still applies), and the
   * queue polls instead of LISTENing. Nothing else changes: every statement
   * stands alone, parameters go unnamed (no server-side prepared statement
   * outlives one), and the schema lock is transaction-scoped. Default
   * `'none'`. docs/scaling.md.
   */
  pooler?: PostgresPooler;
}

/** What sits between the store and PostgreSQL: nothing, or a pooler in transaction mode. */
export type PostgresPooler = 'none' | 'transaction';

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
    pooler?: PostgresPooler;
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
      // The server gives up on a statement, and the client on an answer, at the deadline
      // (behind a transaction pooler, the client only: a startup setting would be refused).
      ...(options.pooler === 'transaction' ? {} : { statement_timeout: timeoutMs }),
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
  /** As the store's: `'transaction'` behind PgBouncer in transaction mode (then the queue polls). */
  pooler?: PostgresPooler;
  /**
   * How a waiting worker learns of a push from another process: `'listen'`
   * (LISTEN/NOTIFY on a connection kept out of the pool), `'poll'` (look
   * again, backing off from 25 ms to {@link POSTGRES_QUEUE_POLL_MS}), or
   * `'auto'`: listen, after checking once that a NOTIFY comes back on the
   * listening connection; when it does not within
   * {@link POSTGRES_LISTEN_PROBE_MS} (a transaction pooler hands each
   * statement to any server connection, so notifications go astray), poll.
   * Default `'auto'`, or `'poll'` with `pooler: 'transaction'`.
   */
  wakeup?: 'auto' | 'listen' | 'poll';
}

/** Longest pause of a polling take(): a push from another process is seen within it. */
export const POSTGRES_QUEUE_POLL_MS = SQL_QUEUE_MAX_POLL_MS;

/** How long `wakeup: 'auto'` waits for its probe NOTIFY before deciding LISTEN does not work here. */
export const POSTGRES_LISTEN_PROBE_MS = 2_000;

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
  /** How waits end on a push: still to be found out (`auto`), LISTEN, or polling. */
  #wakeup: 'auto' | 'listen' | 'poll';

  constructor(options: PostgresQueueOptions) {
    const { driver, pool } = pgDriver(options, 3);
    const wakeup = options.wakeup ?? (options.pooler === 'transaction' ? 'poll' : 'auto');
    // One connection stays checked out for LISTEN: with a pool of one, every other query would wait forever.
    if (wakeup !== 'poll' && (pool.options.max ?? 10) < 2)
      throw new TypeError('PostgresQueue needs a pool of at least 2 connections (one of them listens)');
    super(driver, options);
    this.#pool = pool;
    this.#wakeup = wakeup;
    this.#channel = `${this.tablePrefix}queue`.toLowerCase();
  }

  /** How this queue learns of pushes from other processes now: `'listen'`, `'poll'`, or `'auto'` before the first wait. */
  get wakeupMode(): 'auto' | 'listen' | 'poll' {
    return this.#wakeup;
  }

  protected override async afterPush(): Promise<void> {
    if (this.#wakeup === 'poll') return;
    await this.#pool.query('SELECT pg_notify($1, $2)', [this.#channel, '']);
  }

  #listen(): Promise<pg.PoolClient> {
    this.#listener ??= (async () => {
      const client = await this.#pool.connect();
      // The probe has a channel of its own (this connection's, by a random name):
      // other processes' workers are not woken by it.
      const probeChannel = `${this.#channel}_probe_${randomBytes(6).toString('hex')}`;
      let probeArrived = () => {};
      client.on('notification', (n) => {
        if (n.channel === this.#channel) this.#notified.wake();
        else if (n.channel === probeChannel) probeArrived();
      });
      client.on('error', () => {
        // The connection broke: the next wait listens on a fresh one.
        this.#listener = null;
        client.release(true);
      });
      if (this.#wakeup === 'auto') {
        // Does a NOTIFY sent through the pool come back to this connection? Behind a
        // transaction pooler the LISTEN went to whichever server connection was free: it does not.
        await client.query(`LISTEN "${probeChannel}"`);
        const arrived = new Promise<boolean>((resolve) => {
          probeArrived = () => resolve(true);
          setTimeout(() => resolve(false), POSTGRES_LISTEN_PROBE_MS).unref();
        });
        await this.#pool.query('SELECT pg_notify($1, $2)', [probeChannel, '']);
        const works = await arrived;
        await client.query(`UNLISTEN "${probeChannel}"`).catch(() => {});
        if (!works) {
          this.#wakeup = 'poll';
          client.release();
          throw new Error('LISTEN does not work on this connection (a transaction pooler?): polling');
        }
        this.#wakeup = 'listen';
      }
      // The channel is a checked identifier (the table prefix), quoted for safety all the same.
      await client.query(`LISTEN "${this.#channel}"`);
      return client;
    })().catch((e: unknown) => {
      this.#listener = null;
      throw e;
    });
    return this.#listener;
  }

  #polling(): boolean {
    return this.#wakeup === 'poll';
  }

  protected override async waitForPush(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.#polling()) return sleep(ms, signal);
    try {
      await this.#listen();
    } catch {
      // Cannot listen now (or here at all): this wait polls.
      if (this.#polling()) return sleep(ms, signal);
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
