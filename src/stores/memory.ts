/**
 * In-memory store: one process only (tests, single-instance apps). Bounded
 * by two totals, never by a per-key cap (a provider keeps every private
 * association under one key, so a per-key cap would fail genuine pending
 * logins once enough others were answered):
 * - `maxAssociations` (default 1,000,000): past it, expired associations
 *   are pruned, then the oldest stored go first;
 * - `maxNonces` (default 1,000,000): past it, the oldest nonces go first —
 *   only ones outside the window unless the bound forces it.
 * A site that can exceed either within an association lifetime or a nonce
 * window wants a shared store.
 */
import type { Association } from '../protocol/association.js';
import {
  checkNonceInput,
  checkServerUrl,
  clock,
  NONCE_CLEANUP_MARGIN,
  STORE_NONCE_SKEW,
  type StoreBaseOptions,
} from './common.js';
import { NonceTable } from './nonce-table.js';
import type { OpenIDStore } from './store.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions extends StoreBaseOptions {
  /** Most nonces kept. Default 1,000,000. */
  maxNonces?: number;
  /** Most associations kept, all server URLs together. Default 1,000,000. */
  maxAssociations?: number;
}

export class MemoryStore implements OpenIDStore {
  readonly #assocs = new Map<string, Map<string, Association>>();
  /** `serverUrl\0handle` in storing order, oldest first: what goes when the bound is reached. */
  readonly #assocOrder = new Map<string, [serverUrl: string, handle: string]>();
  /** When expired associations were last pruned (store clock, seconds). */
  #lastPrune = Number.NEGATIVE_INFINITY;
  /** Used nonces as fingerprints in typed arrays (nonce-table.ts), oldest first. */
  readonly #nonces: NonceTable;
  /** When nonces outside the window were last swept because the bound was reached (store clock, seconds). */
  #lastNonceSweep = Number.NEGATIVE_INFINITY;
  /** Endpoint notes (negative cache): key `kind\nserverUrl` → value and expiry. */
  readonly #notes = new Map<string, { value: string; expiresAt: number }>();
  readonly #now: () => number;
  readonly #skew: number;
  readonly #maxNonces: number;
  readonly #maxAssocs: number;

  constructor(options: MemoryStoreOptions = {}) {
    this.#now = clock(options);
    this.#skew = options.nonceSkewSeconds ?? STORE_NONCE_SKEW;
    this.#maxNonces = options.maxNonces ?? 1_000_000;
    this.#nonces = new NonceTable(this.#maxNonces);
    this.#maxAssocs = options.maxAssociations ?? 1_000_000;
  }

  async storeAssociation(serverUrl: string, a: Association): Promise<void> {
    checkServerUrl(serverUrl);
    let m = this.#assocs.get(serverUrl);
    if (!m) {
      m = new Map();
      this.#assocs.set(serverUrl, m);
    }
    m.delete(a.handle);
    m.set(a.handle, a);
    const order = `${serverUrl.length}:${serverUrl}\0${a.handle}`;
    this.#assocOrder.delete(order);
    this.#assocOrder.set(order, [serverUrl, a.handle]);
    // Expired ones are pruned every ten minutes, and when the bound is
    // reached at most once a minute: O(n) each, so O(1) per insert amortized.
    const sincePrune = this.#now() - this.#lastPrune;
    if (sincePrune >= 600) await this.cleanupAssociations();
    if (this.#assocOrder.size > this.#maxAssocs) {
      if (sincePrune >= 60) await this.cleanupAssociations();
      for (const [k, [url, handle]] of this.#assocOrder) {
        if (this.#assocOrder.size <= this.#maxAssocs) break;
        this.#assocOrder.delete(k);
        this.#forget(url, handle);
      }
    }
  }

  #forget(serverUrl: string, handle: string): boolean {
    const m = this.#assocs.get(serverUrl);
    if (!m?.delete(handle)) return false;
    if (m.size === 0) this.#assocs.delete(serverUrl);
    return true;
  }

  async getAssociation(serverUrl: string, handle?: string): Promise<Association | null> {
    checkServerUrl(serverUrl);
    const m = this.#assocs.get(serverUrl);
    if (!m) return null;
    const now = this.#now();
    if (handle !== undefined) {
      const a = m.get(handle);
      return a && !a.isExpired(now) ? a : null;
    }
    let best: Association | null = null;
    for (const a of m.values()) if (!a.isExpired(now) && (!best || a.issued >= best.issued)) best = a;
    return best;
  }

  async removeAssociation(serverUrl: string, handle: string): Promise<boolean> {
    checkServerUrl(serverUrl);
    this.#assocOrder.delete(`${serverUrl.length}:${serverUrl}\0${handle}`);
    return this.#forget(serverUrl, handle);
  }

  async useNonce(serverUrl: string, timestamp: number, salt: string): Promise<boolean> {
    checkServerUrl(serverUrl);
    checkNonceInput(timestamp, salt);
    // The relying party has checked the window; the store only says "seen before".
    if (!this.#nonces.add(serverUrl, timestamp, salt)) return false;
    if (this.#nonces.size > this.#maxNonces) {
      // Past the bound: the oldest stored goes when it is outside the window;
      // else nonces outside the window are swept from anywhere (O(n), at most
      // once a minute, so O(1) per check amortized), and only then, if the
      // bound still forces it, the oldest goes though inside the window.
      const cutoff = this.#now() - this.#skew - NONCE_CLEANUP_MARGIN;
      const oldest = this.#nonces.oldestTimestamp ?? cutoff;
      if (oldest >= cutoff && this.#now() - this.#lastNonceSweep >= 60) {
        this.#lastNonceSweep = this.#now();
        this.#nonces.removeOlderThan(cutoff);
      }
      while (this.#nonces.size > this.#maxNonces) this.#nonces.evictOldest();
    }
    return true;
  }

  async putEndpointNote(serverUrl: string, kind: string, value: string, expiresAt: number): Promise<void> {
    const key = `${kind}\n${serverUrl}`;
    this.#notes.delete(key);
    this.#notes.set(key, { value, expiresAt });
    // Bounded like the nonces: the oldest notes go first.
    while (this.#notes.size > 10_000) this.#notes.delete(this.#notes.keys().next().value as string);
  }

  async getEndpointNote(serverUrl: string, kind: string): Promise<string | null> {
    const key = `${kind}\n${serverUrl}`;
    const note = this.#notes.get(key);
    if (!note) return null;
    if (note.expiresAt <= this.#now()) {
      this.#notes.delete(key);
      return null;
    }
    return note.value;
  }

  async cleanupNonces(): Promise<number> {
    return this.#nonces.removeOlderThan(this.#now() - this.#skew - NONCE_CLEANUP_MARGIN);
  }

  async cleanupAssociations(): Promise<number> {
    const now = this.#now();
    this.#lastPrune = now;
    let n = 0;
    for (const [url, m] of this.#assocs) {
      for (const [h, a] of m) {
        if (a.isExpired(now)) {
          this.#assocOrder.delete(`${url.length}:${url}\0${h}`);
          this.#forget(url, h);
          n++;
        }
      }
    }
    return n;
  }
}
