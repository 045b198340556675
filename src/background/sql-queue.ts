/**
 * The association queue as a table in the SQL stores' database (schema
 * version 2, `<prefix>queue`), one implementation for SQLite, PostgreSQL and
 * MySQL/MariaDB over the stores' driver interface. Use SQLiteQueue,
 * PostgresQueue or MySQLQueue.
 *
 * A take leases rows by writing a lease deadline and a random token in one
 * UPDATE, then reads the rows holding that token, so two workers never lease
 * the same row (PostgreSQL: `FOR UPDATE SKIP LOCKED`; MySQL: the UPDATE's row
 * locks; SQLite: one writer at a time). A worker that dies leaves rows whose
 * lease runs out and which the next take hands out again.
 */
import { randomBytes } from 'node:crypto';
import { hashKey, wrapError } from '../stores/common.js';
import { checkTablePrefix, type SqlDriver, SqlTables } from '../stores/sql.js';
import {
  type AssociationQueue,
  asList,
  checkEntry,
  DEFAULT_LEASE_MS,
  LocalWakeup,
  parseEntry,
  type QueuedEndpoint,
  type QueueOptions,
  sleep,
  type TakenEntry,
  type TakeOptions,
} from './queue.js';

/** Options of the SQL queues. */
export interface SqlQueueOptions extends QueueOptions {
  /** Prefix of the table names, as the store's. Default `openid2_`. */
  tablePrefix?: string;
}

/** How long a waiting take() sleeps at most between looks (it also finds expired leases this way). */
export const SQL_QUEUE_MAX_POLL_MS = 1_000;

export class SqlQueue implements AssociationQueue {
  readonly #driver: SqlDriver;
  readonly #p: string;
  readonly #leaseMs: number;
  readonly #now: () => number;
  readonly #tables: SqlTables;
  readonly #wakeup = new LocalWakeup();

  constructor(driver: SqlDriver, options: SqlQueueOptions = {}) {
    this.#driver = driver;
    this.#p = checkTablePrefix(options.tablePrefix ?? 'openid2_');
    this.#tables = new SqlTables(driver, this.#p);
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#now = options.nowMs ?? Date.now;
  }

  /** The table prefix (PostgreSQL names its notification channel after it). */
  protected get tablePrefix(): string {
    return this.#p;
  }

  /** Create or migrate the schema (shared with the store). Runs once, on first use. */
  migrate(): Promise<void> {
    return this.#tables.migrate();
  }

  #run(what: string, sql: string, params: readonly unknown[] = []) {
    return this.#tables.run(what, sql, params);
  }

  /** Called after a push: PostgreSQL notifies listeners. */
  protected async afterPush(): Promise<void> {}

  /**
   * Wait up to `ms` for a push from another process. Default: just sleep
   * (polling, with the caller's back-off); PostgreSQL wakes on NOTIFY.
   */
  protected waitForPush(ms: number, signal?: AbortSignal): Promise<void> {
    return sleep(ms, signal);
  }

  async push(entry: QueuedEndpoint): Promise<void> {
    const e = checkEntry(entry);
    const k = hashKey(e.opEndpoint);
    // An endpoint already waiting needs no second row (a race may add one: duplicates are harmless).
    const { rows } = await this.#run(
      'reading the queue',
      `SELECT id FROM ${this.#p}queue WHERE url_hash = ? AND lease_until <= ? LIMIT 1`,
      [k, this.#now()],
    );
    if (rows.length === 0) {
      await this.#run(
        'adding to the queue',
        `INSERT INTO ${this.#p}queue (url_hash, entry, lease_until) VALUES (?, ?, 0)`,
        [k, JSON.stringify(e)],
      );
    }
    try {
      await this.afterPush();
    } catch (err) {
      throw wrapError(err, 'notifying the worker');
    }
    this.#wakeup.wake();
  }

  async #claim(max: number): Promise<TakenEntry[]> {
    const now = this.#now();
    const token = randomBytes(16).toString('hex');
    const p = this.#p;
    const limit = Math.max(1, Math.floor(max));
    const kind = this.#driver.kind;
    const sql =
      kind === 'pg'
        ? `UPDATE ${p}queue SET lease_until = ?, lease_token = ? WHERE id IN (
             SELECT id FROM ${p}queue WHERE lease_until <= ? ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED)`
        : kind === 'mysql'
          ? `UPDATE ${p}queue SET lease_until = ?, lease_token = ? WHERE lease_until <= ? ORDER BY id LIMIT ?`
          : `UPDATE ${p}queue SET lease_until = ?, lease_token = ? WHERE id IN (
             SELECT id FROM ${p}queue WHERE lease_until <= ? ORDER BY id LIMIT ?)`;
    const r = await this.#run('taking from the queue', sql, [now + this.#leaseMs, token, now, limit]);
    if (r.changes === 0) return [];
    const { rows } = await this.#run(
      'reading taken entries',
      `SELECT id, entry FROM ${p}queue WHERE lease_token = ? ORDER BY id`,
      [token],
    );
    const out: TakenEntry[] = [];
    const corrupt: unknown[] = [];
    for (const row of rows) {
      const entry = parseEntry(String(row['entry']));
      if (entry) out.push({ ...entry, id: `${row['id']}.${token}` });
      else corrupt.push(row['id']);
    }
    // A row that is not a valid entry is dropped rather than handed out forever.
    for (const id of corrupt)
      await this.#run('dropping a corrupt entry', `DELETE FROM ${p}queue WHERE id = ?`, [id]);
    return out;
  }

  async take(max: number, options: TakeOptions = {}): Promise<TakenEntry[]> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (let pause = 25; ; pause = Math.min(pause * 2, SQL_QUEUE_MAX_POLL_MS)) {
      const got = await this.#claim(max);
      if (got.length > 0 || Date.now() >= deadline || options.signal?.aborted) return got;
      const ms = Math.min(deadline - Date.now(), pause);
      await this.#wakeup.wait(ms, options.signal, this.waitForPush(ms, options.signal));
    }
  }

  #split(t: TakenEntry): [number, string] | null {
    const m = /^(\d+)\.([0-9a-f]{32})$/.exec(t.id);
    return m ? [Number(m[1]), m[2] as string] : null;
  }

  async ack(taken: TakenEntry | readonly TakenEntry[]): Promise<void> {
    for (const t of asList(taken)) {
      const k = this.#split(t);
      // The token makes a late ack (the lease ran out and another worker holds the row) a no-op.
      if (k)
        await this.#run(
          'acking a queue entry',
          `DELETE FROM ${this.#p}queue WHERE id = ? AND lease_token = ?`,
          k,
        );
    }
  }

  async release(taken: TakenEntry | readonly TakenEntry[]): Promise<void> {
    for (const t of asList(taken)) {
      const k = this.#split(t);
      if (k)
        await this.#run(
          'releasing a queue entry',
          `UPDATE ${this.#p}queue SET lease_until = 0, lease_token = NULL WHERE id = ? AND lease_token = ?`,
          k,
        );
    }
  }

  async close(): Promise<void> {
    await this.#driver.close();
  }
}
