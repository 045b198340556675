/**
 * A bounded in-process cache of associations by (server URL, handle), so a
 * shared store answers `getAssociation(url, handle)` for a held association
 * without a round trip and a login costs one: the nonce insert.
 *
 * Why it is safe: an association is immutable per handle (the same handle
 * never names another secret), so a cached copy is the row itself until it
 * expires. Only positive answers are kept: a handle another process has just
 * stored is always looked up, never refused from memory.
 *
 * What another process's removal means (invalidate_handle, single-use
 * check_authentication): the removing process drops its own copy at once;
 * other processes keep theirs until the entry's age reaches `maxAgeSeconds`
 * or the association expires, whichever is first. That is harmless for a
 * provider's `invalidate_handle` (the provider stops signing with the handle,
 * so nothing new verifies against the copy) and for check_authentication's
 * single use (the answer hangs on `removeAssociation`, which always goes to
 * the store). It matters only when a secret is known to have leaked and is
 * removed by hand: then the other processes may verify with it for up to
 * `maxAgeSeconds` more — restart them, or set `associationCache: false`.
 * docs/scaling.md.
 */
import type { Association } from '../protocol/association.js';

/** Options of the association cache of a shared store. */
export interface AssociationCacheOptions {
  /** Most associations kept; the oldest entry leaves first. Default 1000. */
  maxEntries?: number;
  /** Seconds an entry is trusted after it was read or stored here. Default 300. */
  maxAgeSeconds?: number;
}

interface Entry {
  readonly association: Association;
  /** Unix seconds after which the entry is looked up again. */
  readonly until: number;
}

export class AssociationCache {
  readonly #entries = new Map<string, Entry>();
  readonly #max: number;
  readonly #maxAge: number;

  constructor(options: AssociationCacheOptions = {}) {
    this.#max = options.maxEntries ?? 1000;
    this.#maxAge = options.maxAgeSeconds ?? 300;
    if (!Number.isInteger(this.#max) || this.#max < 1)
      throw new TypeError('associationCache.maxEntries must be a whole number of at least 1');
    if (!Number.isFinite(this.#maxAge) || this.#maxAge <= 0)
      throw new TypeError('associationCache.maxAgeSeconds must be a positive number');
  }

  /** Key of one association: the URL and handle cannot run into each other (a space is not in a handle). */
  static #key(serverUrl: string, handle: string): string {
    return `${handle} ${serverUrl}`;
  }

  /** The cached association, unless its entry is too old or it has expired (then it is dropped). */
  get(serverUrl: string, handle: string, now: number): Association | null {
    const key = AssociationCache.#key(serverUrl, handle);
    const e = this.#entries.get(key);
    if (!e) return null;
    if (now >= e.until || e.association.isExpired(now)) {
      this.#entries.delete(key);
      return null;
    }
    return e.association;
  }

  /** Keep `association` (read from or written to the store at `now`). */
  set(serverUrl: string, association: Association, now: number): void {
    if (association.isExpired(now)) return;
    const key = AssociationCache.#key(serverUrl, association.handle);
    this.#entries.delete(key);
    this.#entries.set(key, { association, until: now + this.#maxAge });
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  /** Forget one association (this process removed it, or is about to). */
  delete(serverUrl: string, handle: string): void {
    this.#entries.delete(AssociationCache.#key(serverUrl, handle));
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** The cache a store's `associationCache` option asks for: none for `false`. */
export function associationCacheOf(
  option: AssociationCacheOptions | false | undefined,
): AssociationCache | null {
  return option === false ? null : new AssociationCache(option ?? {});
}
