/**
 * A store on Deno KV (`Deno.openKv()`; on Deno Deploy, shared by every
 * instance). `useNonce` is one atomic operation: a `check` that the key has
 * no version yet and a `set`, committed together, so of two instances
 * offering the same nonce exactly one commit succeeds. Expiry is data:
 * every key is written with `expireIn`, and Deno KV drops it after that.
 *
 * Every operation has the store deadline (`timeoutMs`, default 5 s). A
 * local Deno KV is a SQLite file: two connections to it (two processes, or
 * two `openKv()` in one) contend for its write lock, and a commit that finds
 * it taken fails with "database is locked". That is retried with back-off
 * until the deadline, as the SQLite store does; what still fails is a
 * `StoreError` `store_unavailable`, never a bare runtime error.
 *
 * Types are structural (the few KV methods used), so this module needs
 * neither Deno's type declarations nor a Deno runtime to type-check.
 *
 * @example
 * import { DenoKvStore } from 'openid2/deno-kv';
 * const store = new DenoKvStore(await Deno.openKv());
 */
import { Association } from '../protocol/association.js';
import {
  checkNonceInput,
  checkServerUrl,
  clock,
  inNonceWindow,
  retryWhileBusy,
  STORE_NONCE_SKEW,
  type StoreBaseOptions,
  timeoutOf,
  withDeadline,
  wrapError,
} from './common.js';
import type { OpenIDStore } from './store.js';

/** A Deno KV key. */
export type DenoKvKey = readonly (string | number | bigint | boolean | Uint8Array)[];

/** One entry read from Deno KV. */
export interface DenoKvEntry {
  /** The entry's key. */
  readonly key: DenoKvKey;
  /** Its value; null when absent. */
  readonly value: unknown;
  /** Its version; null when the key has no value. */
  readonly versionstamp: string | null;
}

/** An atomic operation of Deno KV (the methods this store uses). */
export interface DenoKvAtomic {
  /** Commit only if each key still has this version (null: has no value). */
  check(...checks: { key: DenoKvKey; versionstamp: string | null }[]): DenoKvAtomic;
  /** Write a value, dropped after `expireIn` milliseconds. */
  set(key: DenoKvKey, value: unknown, options?: { expireIn?: number }): DenoKvAtomic;
  /** Delete a key. */
  delete(key: DenoKvKey): DenoKvAtomic;
  /** Apply all or nothing. */
  commit(): Promise<{
    /** False when a check failed and nothing was written. */
    ok: boolean;
  }>;
}

/** What this store needs of a `Deno.Kv`. */
export interface DenoKvLike {
  /** Read one key. */
  get(key: DenoKvKey): Promise<DenoKvEntry>;
  /** Write one key. */
  set(key: DenoKvKey, value: unknown, options?: { expireIn?: number }): Promise<unknown>;
  /** The entries under a key prefix. */
  list(selector: { prefix: DenoKvKey }): AsyncIterable<DenoKvEntry>;
  /** Start an atomic operation. */
  atomic(): DenoKvAtomic;
}

/** Options of {@link DenoKvStore}. */
export interface DenoKvStoreOptions extends StoreBaseOptions {
  /** First key parts of every key, to share one KV database. Default `['openid2']`. */
  prefix?: DenoKvKey;
}

/** Another connection holds the SQLite lock under a local Deno KV: worth another try. */
function isLocked(e: unknown): boolean {
  return e instanceof Error && /database (table )?is (locked|busy)/i.test(e.message);
}

/** Store on Deno KV; see the module comment for the atomicity it relies on. */
export class DenoKvStore implements OpenIDStore {
  readonly #kv: DenoKvLike;
  readonly #prefix: DenoKvKey;
  readonly #now: () => number;
  readonly #skew: number;
  readonly #timeoutMs: number;

  constructor(kv: DenoKvLike, options: DenoKvStoreOptions = {}) {
    this.#kv = kv;
    this.#prefix = options.prefix ?? ['openid2'];
    this.#now = clock(options);
    this.#skew = options.nonceSkewSeconds ?? STORE_NONCE_SKEW;
    this.#timeoutMs = timeoutOf(options);
  }

  /** One store operation: retried while the database is locked, bounded by the deadline, errors as `StoreError`. */
  async #op<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(
        retryWhileBusy(run, isLocked, this.#timeoutMs),
        this.#timeoutMs,
        what,
        'Deno KV',
      );
    } catch (e) {
      throw wrapError(e, what);
    }
  }

  #assocKey(serverUrl: string, handle?: string): DenoKvKey {
    return handle === undefined
      ? [...this.#prefix, 'assoc', serverUrl]
      : [...this.#prefix, 'assoc', serverUrl, handle];
  }

  async storeAssociation(serverUrl: string, a: Association): Promise<void> {
    checkServerUrl(serverUrl);
    const left = a.issued + a.lifetime - this.#now();
    if (left <= 0) return;
    const key = this.#assocKey(serverUrl, a.handle);
    await this.#op('storeAssociation', () => this.#kv.set(key, a.serialize(), { expireIn: left * 1000 }));
  }

  async getAssociation(serverUrl: string, handle?: string): Promise<Association | null> {
    checkServerUrl(serverUrl);
    const now = this.#now();
    return this.#op('getAssociation', async () => {
      if (handle !== undefined) {
        const entry = await this.#kv.get(this.#assocKey(serverUrl, handle));
        if (typeof entry.value !== 'string') return null;
        const a = Association.deserialize(entry.value);
        return a.isExpired(now) ? null : a;
      }
      let best: Association | null = null;
      for await (const entry of this.#kv.list({ prefix: this.#assocKey(serverUrl) })) {
        if (typeof entry.value !== 'string') continue;
        const a = Association.deserialize(entry.value);
        if (!a.isExpired(now) && (!best || a.issued >= best.issued)) best = a;
      }
      return best;
    });
  }

  async removeAssociation(serverUrl: string, handle: string): Promise<boolean> {
    checkServerUrl(serverUrl);
    const key = this.#assocKey(serverUrl, handle);
    return this.#op('removeAssociation', async () => {
      const entry = await this.#kv.get(key);
      if (entry.versionstamp === null) return false;
      // Deleted only if nobody changed it since we read it: true means this call removed it.
      const r = await this.#kv.atomic().check({ key, versionstamp: entry.versionstamp }).delete(key).commit();
      return r.ok;
    });
  }

  async useNonce(serverUrl: string, timestamp: number, salt: string): Promise<boolean> {
    checkServerUrl(serverUrl);
    checkNonceInput(timestamp, salt);
    const now = this.#now();
    if (!inNonceWindow(timestamp, now, this.#skew)) return false;
    const key = [...this.#prefix, 'nonce', serverUrl, timestamp, salt];
    // Kept until it falls out of the window (plus a second), then Deno KV drops it.
    const keepMs = (Math.max(0, timestamp + this.#skew - now) + 1) * 1000;
    // A commit that failed on the lock wrote nothing, so trying it again is safe:
    // the check still decides which of two offers of this nonce wins.
    const r = await this.#op('useNonce', () =>
      this.#kv.atomic().check({ key, versionstamp: null }).set(key, 1, { expireIn: keepMs }).commit(),
    );
    return r.ok;
  }

  /** Nonces expire by themselves (`expireIn`): nothing to do. */
  async cleanupNonces(): Promise<number> {
    return 0;
  }

  async cleanupAssociations(): Promise<number> {
    const now = this.#now();
    let n = 0; // outside the retried work: a retry after a locked commit keeps the count of deletions made
    return this.#op('cleanupAssociations', async () => {
      for await (const entry of this.#kv.list({ prefix: [...this.#prefix, 'assoc'] })) {
        if (typeof entry.value !== 'string' || !Association.deserialize(entry.value).isExpired(now)) continue;
        const r = await this.#kv.atomic().check(entry).delete(entry.key).commit();
        if (r.ok) n++;
      }
      return n;
    });
  }
}
