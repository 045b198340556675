/**
 * Redis store (`openid2/redis`, ioredis): nonces with `SET NX EX` (atomic,
 * expiring by themselves), associations in one hash per server URL, keys
 * under a configurable prefix.
 *
 * @example
 * import { RedisStore } from 'openid2/redis';
 * const store = new RedisStore({ url: 'redis://127.0.0.1:6379', keyPrefix: 'myapp:openid2:' });
 *
 * @module openid2/redis
 */
import type { ChainableCommander, Redis, RedisOptions } from 'ioredis';
import type { RedisClientLike } from '../background/redis-queue.js';
import { Association, isValidHandle } from '../protocol/association.js';
import {
  type AssociationCache,
  type AssociationCacheOptions,
  associationCacheOf,
} from '../stores/association-cache.js';
import {
  CleanupSchedule,
  checkNonceInput,
  checkServerUrl,
  cleanupScheduleOptions,
  clock,
  hashKey,
  loadDriver,
  NONCE_CLEANUP_MARGIN,
  STORE_NONCE_SKEW,
  type StoreBaseOptions,
  timeoutOf,
  withDeadline,
  wrapError,
} from '../stores/common.js';
import type { OpenIDStore } from '../stores/store.js';

/** Options of {@link RedisStore}. */
export interface RedisStoreOptions extends StoreBaseOptions {
  /** `redis://…`; its password never appears in errors. */
  url?: string;
  /**
   * An existing client to share (the app keeps ownership): a `Redis` (a
   * single server, or one configured with `sentinels` and `name`) or a
   * `Cluster`. Every command the store sends names one key, so it runs on
   * any slot of a cluster.
   */
  client?: RedisClientLike;
  /** Prefix of every key. Default `openid2:`. */
  keyPrefix?: string;
  /**
   * Keep associations read or stored here in a bounded in-process cache, so
   * a login with a held association costs one command (`SET NX`). `false`
   * reads every association from Redis. Default on; see association-cache.ts.
   */
  associationCache?: AssociationCacheOptions | false;
  /**
   * Replicas that must have a nonce or an association before the store
   * answers (Redis `WAIT`, pipelined with the write: still one round trip).
   * Default 0: Redis replicates asynchronously, so a master that crashes
   * right after recording a nonce can take it along, and the replica promoted
   * in its place would accept that nonce once more. With 1 (one replica per
   * master), a nonce is fresh only once a replica holds it; when fewer
   * replicas confirm within `replicaAckTimeoutMs` the call fails
   * (`store_unavailable` for the login), never reports a fresh nonce it
   * could lose. docs/scaling.md says what remains.
   */
  replicaAcks?: number;
  /** How long `WAIT` may block, in ms. Default 1000 (and never past the store's `timeoutMs`). */
  replicaAckTimeoutMs?: number;
}

export type { RedisClientLike };

/** Where a client connects, for errors: `Redis at host:port` (never a password). */
export function redisWhere(client: RedisClientLike): string {
  if ('isCluster' in client && client.isCluster) return 'Redis Cluster';
  const o = (client as Redis).options;
  if (o.sentinels && o.sentinels.length > 0) return `Redis via Sentinel (master ${o.name ?? '?'})`;
  return o.path ? `Redis at ${o.path}` : `Redis at ${o.host ?? '127.0.0.1'}:${o.port ?? 6379}`;
}

/**
 * A client for the store or queue: every command has the deadline
 * (`commandTimeout`), connecting too, and failures are reported to the
 * caller rather than retried for ever.
 */
export function redisClient(url: string, timeoutMs: number, store: string): Redis {
  const { Redis: RedisClient } = loadDriver<{ Redis: new (url: string, o: RedisOptions) => Redis }>(
    'ioredis',
    store,
  );
  const client = new RedisClient(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: false,
    commandTimeout: timeoutMs,
    connectTimeout: timeoutMs,
  });
  client.on('error', () => {}); // reconnects by itself; operations report failures
  return client;
}

export class RedisStore implements OpenIDStore {
  readonly #redis: RedisClientLike;
  readonly #own: boolean;
  readonly #p: string;
  readonly #now: () => number;
  readonly #skew: number;
  readonly #timeoutMs: number;
  readonly #where: string;
  readonly #cleanup: CleanupSchedule;
  readonly #cache: AssociationCache | null;
  readonly #acks: number;
  readonly #ackTimeoutMs: number;

  constructor(options: RedisStoreOptions = {}) {
    this.#cache = associationCacheOf(options.associationCache);
    this.#timeoutMs = timeoutOf(options);
    this.#acks = options.replicaAcks ?? 0;
    if (!Number.isInteger(this.#acks) || this.#acks < 0)
      throw new TypeError('replicaAcks must be a whole number of replicas (0 or more)');
    this.#ackTimeoutMs = Math.min(options.replicaAckTimeoutMs ?? 1000, this.#timeoutMs);
    this.#own = options.client === undefined;
    this.#redis =
      options.client ?? redisClient(options.url ?? 'redis://127.0.0.1:6379', this.#timeoutMs, 'RedisStore');
    this.#where = redisWhere(this.#redis);
    this.#p = options.keyPrefix ?? 'openid2:';
    this.#now = clock(options);
    this.#skew = options.nonceSkewSeconds ?? STORE_NONCE_SKEW;
    // Nonces expire by TTL; expired associations are removed from their hashes on this schedule.
    this.#cleanup = new CleanupSchedule(cleanupScheduleOptions(options), () => this.cleanupAssociations());
  }

  #assocKey(serverUrl: string): string {
    return `${this.#p}assoc:${hashKey(serverUrl)}`;
  }

  /** One operation, with the deadline; errors say what failed and where. */
  async #do<T>(what: string, f: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(f(), this.#timeoutMs, what, this.#where);
    } catch (e) {
      throw wrapError(e, `${what} (${this.#where})`);
    }
  }

  /**
   * Runs `write` (one command) with `WAIT` after it on the same connection,
   * so on the master that took the write; its answer once `replicaAcks`
   * replicas hold it. A write the master refused (`SET NX` on a used nonce)
   * needs no replica. Fewer acknowledgements within the timeout throw.
   */
  async #replicated(write: ChainableCommander, what: string): Promise<unknown> {
    const results = (await write.wait(this.#acks, this.#ackTimeoutMs).exec()) ?? [];
    const [written, waited] = results;
    if (!written || !waited) throw new Error(`no answer for ${what}`);
    if (written[0]) throw written[0];
    if (written[1] === null) return null;
    if (waited[0]) throw waited[0];
    const acked = Number(waited[1]);
    if (acked < this.#acks) {
      throw new Error(
        `${what} reached ${acked} of ${this.#acks} replicas within ${this.#ackTimeoutMs} ms; a failover could lose it`,
      );
    }
    return written[1];
  }

  async storeAssociation(serverUrl: string, a: Association): Promise<void> {
    checkServerUrl(serverUrl);
    const key = this.#assocKey(serverUrl);
    // Two commands, not a MULTI: the hash and the index are on different
    // cluster slots. The index first: a listed key without the hash is harmless
    // to cleanup, a hash missing from the index would never be cleaned.
    await this.#do('storing an association', async () => {
      await this.#redis.sadd(`${this.#p}assoc-keys`, key);
      if (this.#acks === 0) await this.#redis.hset(key, a.handle, a.serialize());
      else
        await this.#replicated(this.#redis.pipeline().hset(key, a.handle, a.serialize()), 'the association');
    });
    this.#cache?.set(serverUrl, a, this.#now());
    this.#cleanup.maybeRun();
  }

  async #all(serverUrl: string): Promise<Association[]> {
    const raw = await this.#do('reading associations', () => this.#redis.hgetall(this.#assocKey(serverUrl)));
    const out: Association[] = [];
    for (const text of Object.values(raw)) {
      try {
        out.push(Association.deserialize(text));
      } catch {
        // a corrupt entry is never used
      }
    }
    return out;
  }

  async getAssociation(serverUrl: string, handle?: string): Promise<Association | null> {
    checkServerUrl(serverUrl);
    const now = this.#now();
    if (handle !== undefined) {
      if (!isValidHandle(handle)) return null;
      const cached = this.#cache?.get(serverUrl, handle, now);
      if (cached) return cached;
      const text = await this.#do('reading an association', () =>
        this.#redis.hget(this.#assocKey(serverUrl), handle),
      );
      if (text === null) return null;
      try {
        const a = Association.deserialize(text);
        if (a.isExpired(now)) return null;
        this.#cache?.set(serverUrl, a, now);
        return a;
      } catch {
        return null;
      }
    }
    const valid = (await this.#all(serverUrl)).filter((a) => !a.isExpired(now));
    return valid.sort((x, y) => y.issued - x.issued)[0] ?? null;
  }

  async removeAssociation(serverUrl: string, handle: string): Promise<boolean> {
    checkServerUrl(serverUrl);
    this.#cache?.delete(serverUrl, handle);
    const n = await this.#do('removing an association', () =>
      this.#redis.hdel(this.#assocKey(serverUrl), handle),
    );
    return n > 0;
  }

  async useNonce(serverUrl: string, timestamp: number, salt: string): Promise<boolean> {
    checkServerUrl(serverUrl);
    checkNonceInput(timestamp, salt);
    const now = this.#now();
    // The relying party decides the window; kept until it has left it (plus
    // the margin for clocks that differ), then Redis drops it.
    const ttl = Math.max(1, timestamp + this.#skew + NONCE_CLEANUP_MARGIN - now);
    const key = `${this.#p}nonce:${hashKey(serverUrl, timestamp, salt)}`;
    const r = await this.#do('recording a nonce', () =>
      this.#acks === 0
        ? this.#redis.set(key, '1', 'EX', ttl, 'NX')
        : this.#replicated(this.#redis.pipeline().set(key, '1', 'EX', ttl, 'NX'), 'the nonce'),
    );
    return r === 'OK';
  }

  /** A negative-cache note; Redis drops it at `expiresAt` by itself (`SET … EX`). */
  async putEndpointNote(serverUrl: string, kind: string, value: string, expiresAt: number): Promise<void> {
    checkServerUrl(serverUrl);
    const ttl = Math.max(1, Math.ceil(expiresAt - this.#now()));
    await this.#do('storing an endpoint note', () =>
      this.#redis.set(`${this.#p}note:${hashKey(kind, serverUrl)}`, value, 'EX', ttl),
    );
  }

  async getEndpointNote(serverUrl: string, kind: string): Promise<string | null> {
    checkServerUrl(serverUrl);
    return this.#do('reading an endpoint note', () =>
      this.#redis.get(`${this.#p}note:${hashKey(kind, serverUrl)}`),
    );
  }

  /** Nonces expire by TTL in Redis; nothing to remove by hand. */
  async cleanupNonces(): Promise<number> {
    return 0;
  }

  async cleanupAssociations(): Promise<number> {
    const now = this.#now();
    const keys = await this.#do('listing associations', () => this.#redis.smembers(`${this.#p}assoc-keys`));
    let removed = 0;
    for (const key of keys) {
      const raw = await this.#do('reading associations', () => this.#redis.hgetall(key));
      for (const [handle, text] of Object.entries(raw)) {
        let expired = true;
        try {
          expired = Association.deserialize(text).isExpired(now);
        } catch {
          expired = true;
        }
        if (expired)
          removed += await this.#do('removing an association', () => this.#redis.hdel(key, handle));
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.#own) await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

export { RedisQueue, type RedisQueueOptions } from '../background/redis-queue.js';
