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
  /** Clock in ms, injectable for tests. Default `Date.now`. */
  now?: () => number;
}

interface Entry {
  readonly value: DiscoveryResult;
  readonly expires: number;
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
  readonly #now: () => number;
  // A Map iterates in insertion order: re-inserting on read makes the first key the least recently used.
  readonly #entries = new Map<string, Entry>();

  constructor(options: DiscoveryCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#maxEntries = Math.max(1, options.maxEntries ?? 1000);
    this.#now = options.now ?? Date.now;
  }

  /** The live entry for `key`, or undefined (expired entries are dropped). */
  get(key: string): DiscoveryResult | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    if (entry.expires <= this.#now()) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** Stores a result (frozen) for `key`, evicting the least recently used entry past the bound. */
  set(key: string, value: DiscoveryResult): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value: deepFreeze(value), expires: this.#now() + this.#ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** Forgets `key` (e.g. when a cached endpoint no longer verifies). */
  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
  }

  /** Number of entries held (expired ones included until touched). */
  get size(): number {
    return this.#entries.size;
  }
}
