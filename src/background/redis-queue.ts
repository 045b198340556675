/**
 * The association queue in Redis (`openid2/redis`), crash-safe with a
 * processing list (DESIGN.md §5). Keys under the prefix:
 *
 * - `{queue}:entries` hash id → entry JSON;
 * - `{queue}:waiting` list of ids (push on the left, take from the right);
 * - `{queue}:processing` list of ids taken and not yet acked;
 * - `{queue}:leases` sorted set id → lease deadline (ms).
 *
 * A take moves ids from waiting to processing with LMOVE (a script that also
 * writes the lease), or when nothing waits, blocks in BLMOVE and then writes
 * the lease. Before each take, ids in processing whose lease ran out go back
 * to waiting; an id found in processing without a lease (its taker died
 * between BLMOVE and the lease write) gets one starting now, so it is handed
 * out again one lease later. Nothing taken is ever lost.
 *
 * @example
 * import { RedisQueue } from 'openid2/redis';
 * const queue = new RedisQueue({ url: 'redis://127.0.0.1:6379', keyPrefix: 'myapp:openid2:' });
 */
import { randomBytes } from 'node:crypto';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { loadDriver, wrapError } from '../stores/common.js';

/** What the Redis store and queue run on: one server, a Sentinel-configured client, or a Cluster. */
export type RedisClientLike = Redis | Cluster;

import {
  type AssociationQueue,
  asList,
  checkEntry,
  DEFAULT_LEASE_MS,
  parseEntry,
  type QueuedEndpoint,
  type QueueOptions,
  type TakenEntry,
  type TakeOptions,
} from './queue.js';

export interface RedisQueueOptions extends QueueOptions {
  /** `redis://…`; its password never appears in errors. */
  url?: string;
  /**
   * An existing client to share (the app keeps ownership); blocking waits use
   * a duplicate of it. A `Redis` (one server, or Sentinel-configured) or a
   * `Cluster`: the queue's keys share one hash tag, so its scripts and
   * transactions stay on one slot.
   */
  client?: RedisClientLike;
  /** Prefix of every key, as the store's. Default `openid2:`. */
  keyPrefix?: string;
}

/** KEYS: processing, leases, waiting, entries. ARGV: now, leaseMs. */
const REAP = `
local ids = redis.call('LRANGE', KEYS[1], 0, -1)
local now = tonumber(ARGV[1])
for _, id in ipairs(ids) do
  if redis.call('HEXISTS', KEYS[4], id) == 0 then
    redis.call('LREM', KEYS[1], 1, id)
    redis.call('ZREM', KEYS[2], id)
  else
    local until_ = redis.call('ZSCORE', KEYS[2], id)
    if not until_ then
      redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), id)
    elseif tonumber(until_) <= now then
      redis.call('LREM', KEYS[1], 1, id)
      redis.call('ZREM', KEYS[2], id)
      redis.call('RPUSH', KEYS[3], id)
    end
  end
end
return 0`;

/** KEYS: waiting, processing, leases, entries. ARGV: max, leaseUntil. Returns id, json, id, json, … */
const CLAIM = `
local out = {}
for i = 1, tonumber(ARGV[1]) do
  local id = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
  if not id then break end
  redis.call('ZADD', KEYS[3], tonumber(ARGV[2]), id)
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[4], id) or ''
end
return out`;

/** KEYS: processing, leases, waiting. ARGV: id. */
const RELEASE = `
if redis.call('LREM', KEYS[1], 1, ARGV[1]) > 0 then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('RPUSH', KEYS[3], ARGV[1])
end
return 0`;

/**
 * The common start of the queue's keys, with a hash tag so every key lands
 * on one Redis Cluster slot (the scripts and MULTIs touch several keys):
 * `openid2:{queue}:`, still under the prefix. A prefix that already has a
 * hash tag keeps it (the application chose the slot).
 */
export function queueKeyBase(prefix: string): string {
  return /\{[^}]+\}/.test(prefix) ? `${prefix}queue:` : `${prefix}{queue}:`;
}

/** Longest single BLMOVE, so an abort or shutdown is noticed within it. */
const MAX_BLOCK_S = 1;

export class RedisQueue implements AssociationQueue {
  readonly #redis: RedisClientLike;
  readonly #own: boolean;
  readonly #k: { entries: string; waiting: string; processing: string; leases: string };
  readonly #leaseMs: number;
  readonly #now: () => number;
  #blocking: RedisClientLike | null = null;

  constructor(options: RedisQueueOptions = {}) {
    this.#own = options.client === undefined;
    this.#redis =
      options.client ??
      new (loadDriver<{ Redis: new (url: string, o: RedisOptions) => Redis }>('ioredis', 'RedisQueue').Redis)(
        options.url ?? 'redis://127.0.0.1:6379',
        { maxRetriesPerRequest: 1, lazyConnect: false },
      );
    if (this.#own) this.#redis.on('error', () => {}); // reconnects by itself; operations report failures
    const p = queueKeyBase(options.keyPrefix ?? 'openid2:');
    this.#k = {
      entries: `${p}entries`,
      waiting: `${p}waiting`,
      processing: `${p}processing`,
      leases: `${p}leases`,
    };
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#now = options.nowMs ?? Date.now;
  }

  async #do<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw wrapError(e, what);
    }
  }

  async push(entry: QueuedEndpoint): Promise<void> {
    const json = JSON.stringify(checkEntry(entry));
    const id = randomBytes(12).toString('hex');
    await this.#do('adding to the queue', () =>
      this.#redis.multi().hset(this.#k.entries, id, json).lpush(this.#k.waiting, id).exec(),
    );
  }

  /** Entries from id/json pairs; ids whose entry is missing or invalid are acked away. */
  async #entries(pairs: string[]): Promise<TakenEntry[]> {
    const out: TakenEntry[] = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const id = pairs[i] as string;
      const entry = parseEntry(pairs[i + 1] as string);
      if (entry) out.push({ ...entry, id });
      else await this.ack({ id, opEndpoint: '', version: '2.0' });
    }
    return out;
  }

  async #claim(max: number): Promise<TakenEntry[]> {
    const k = this.#k;
    const now = this.#now();
    await this.#redis.eval(REAP, 4, k.processing, k.leases, k.waiting, k.entries, now, this.#leaseMs);
    const pairs = (await this.#redis.eval(
      CLAIM,
      4,
      k.waiting,
      k.processing,
      k.leases,
      k.entries,
      Math.max(1, Math.floor(max)),
      now + this.#leaseMs,
    )) as string[];
    return this.#entries(pairs);
  }

  /** Block up to `ms` for one id, moving it to processing, then lease it. */
  async #block(ms: number): Promise<TakenEntry[]> {
    if (!this.#blocking) {
      this.#blocking = this.#redis.duplicate();
      this.#blocking.on('error', () => {});
    }
    const k = this.#k;
    const seconds = Math.max(0.01, Math.min(ms / 1000, MAX_BLOCK_S));
    const id = await this.#blocking.blmove(k.waiting, k.processing, 'RIGHT', 'LEFT', seconds);
    if (id === null) return [];
    // Dying here leaves the id in processing without a lease: the next REAP gives it one.
    await this.#redis.zadd(k.leases, this.#now() + this.#leaseMs, id);
    const json = await this.#redis.hget(k.entries, id);
    return this.#entries([id, json ?? '']);
  }

  async take(max: number, options: TakeOptions = {}): Promise<TakenEntry[]> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    return this.#do('taking from the queue', async () => {
      for (;;) {
        const got = await this.#claim(max);
        if (got.length > 0) return got;
        const left = deadline - Date.now();
        if (left <= 0 || options.signal?.aborted) return got;
        const one = await this.#block(left);
        if (one.length > 0) return max > 1 ? [...one, ...(await this.#claim(max - 1))] : one;
        if (options.signal?.aborted) return [];
      }
    });
  }

  async ack(taken: TakenEntry | readonly TakenEntry[]): Promise<void> {
    const k = this.#k;
    for (const t of asList(taken)) {
      await this.#do('acking a queue entry', () =>
        this.#redis.multi().lrem(k.processing, 1, t.id).zrem(k.leases, t.id).hdel(k.entries, t.id).exec(),
      );
    }
  }

  async release(taken: TakenEntry | readonly TakenEntry[]): Promise<void> {
    const k = this.#k;
    for (const t of asList(taken)) {
      await this.#do('releasing a queue entry', () =>
        this.#redis.eval(RELEASE, 3, k.processing, k.leases, k.waiting, t.id),
      );
    }
  }

  async close(): Promise<void> {
    const b = this.#blocking;
    this.#blocking = null;
    // A blocked BLMOVE would hold QUIT back for up to a second: drop that connection.
    b?.disconnect();
    if (this.#own) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}
