/**
 * A bounded, in-memory cache of discovery results (DESIGN §6: minutes,
 * bounded). Expiry is data (a timestamp per entry), never a timer.
 */
import type { DiscoveryResult } from './discover.js';

/** Options of {@link DiscoveryCache}. */
export interface DiscoveryCacheOptions {
  /** How long a result is served. Default 5 minutes. */
  ttlMs?: number;
  /** Most entries kept; the least recently used goes first. Default 1000. */
  maxEntries?: number;
  /**
   * Most bytes held by all entries together (estimated from their strings); the least recently
   * used go first, and a single result larger than this is not cached. Default 8 MiB: a hostile
   * page cannot make 1,000 cached identifiers pin gigabytes.
   */
  maxBytes?: number;
  /** Clock in ms, injectable for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  readonly value: DiscoveryResult;
  readonly expires: number;
  readonly bytes: number;
}

/** Default {@link DiscoveryCacheOptions.maxBytes}. */
export const DEFAULT_DISCOVERY_CACHE_BYTES = 8 * 1024 * 1024;

/**
 * What a result costs to hold, roughly: two bytes per string code unit (V8 may store one), plus a
 * fixed overhead per object. An over-estimate is fine; it only has to grow with what a page controls.
 */
export function estimateResultBytes(result: DiscoveryResult): number {
  const str = (s: string | null | undefined) => (s == null ? 0 : 2 * s.length + 16);
  let bytes = 256 + str(result.claimedId) + str(result.normalizedInput);
  for (const e of result.endpoints) {
    bytes += 128 + str(e.opEndpoint) + str(e.claimedId) + str(e.localId);
    for (const t of e.types) bytes += 8 + str(t);
  }
  return bytes;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * LRU cache of {@link DiscoveryResult}s, keyed by the exact normalized
 * identifier that was discovered (kind-prefixed), so an entry can only ever
 * answer that same identifier. Cached results are frozen: no caller can
 * alter what the next one gets. Share one per RelyingParty.
 *
 * @example
 * const cache = new DiscoveryCache({ ttlMs: 60_000, maxEntries: 500 });
 * await discover('https://alice.example/', { cache });
 */
export class DiscoveryCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  #bytes = 0;
  readonly #now: () => number;
  // A Map iterates in insertion order: re-inserting on read makes the first key the least recently used.
  readonly #entries = new Map<string, Entry>();

  constructor(options: DiscoveryCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#maxEntries = Math.max(1, options.maxEntries ?? 1000);
    this.#maxBytes = Math.max(1, options.maxBytes ?? DEFAULT_DISCOVERY_CACHE_BYTES);
    this.#now = options.now ?? Date.now;
  }

  /** The live entry for `key`, or undefined (expired entries are dropped). */
  get(key: string): DiscoveryResult | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expires <= this.#now()) {
      this.#bytes -= entry.bytes;
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores a result (frozen) for `key`, evicting the least recently used entry past the bound. */
  set(key: string, value: DiscoveryResult): void {
    this.delete(key);
    const bytes = estimateResultBytes(value) + 2 * key.length;
    if (bytes > this.#maxBytes) return; // one result alone would fill the cache: serve it uncached
    // A copy: strings cut from a fetched document may share its memory (V8 sliced strings), so a
    // cached 100-byte URL could keep a whole 1 MiB XRDS alive. structuredClone makes fresh strings.
    this.#entries.set(key, {
      value: deepFreeze(structuredClone(value)),
      expires: this.#now() + this.#ttlMs,
      bytes,
    });
    this.#bytes += bytes;
    while (this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next().value as string;
      this.delete(oldest);
    }
  }

  /** Forgets `key` (e.g. when a cached endpoint no longer verifies). */
  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#bytes -= entry.bytes;
    return this.#entries.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  /** Estimated bytes held by the entries (see {@link DiscoveryCacheOptions.maxBytes}). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Number of entries held (expired ones included until touched). */
  get size(): number {
    return this.#entries.size;
  }
}
