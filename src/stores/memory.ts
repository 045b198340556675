/**
 * In-memory store: one process only (tests, single-instance apps). Bounded:
 * past `maxNonces` the oldest nonces go first — only ones outside the
 * window unless the bound forces it, which is why multi-process or
 * high-traffic sites want a shared store.
 */
import type { Association } from '../protocol/association.js';
import {
  checkNonceInput,
  checkServerUrl,
  clock,
  inNonceWindow,
  STORE_NONCE_SKEW,
  type StoreBaseOptions,
} from './common.js';
import type { OpenIDStore } from './store.js';

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions extends StoreBaseOptions {
  /** Most nonces kept. Default 1,000,000. */
  maxNonces?: number;
  /** Most associations kept per server URL. Default 100. */
  maxAssociationsPerServer?: number;
}

export class MemoryStore implements OpenIDStore {
  readonly #assocs = new Map<string, Map<string, Association>>();
  /** key -> timestamp; Map keeps insertion order, oldest first. */
  readonly #nonces = new Map<string, number>();
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
    this.#maxAssocs = options.maxAssociationsPerServer ?? 100;
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
    while (m.size > this.#maxAssocs) m.delete(m.keys().next().value as string);
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
    return this.#assocs.get(serverUrl)?.delete(handle) ?? false;
  }

  async useNonce(serverUrl: string, timestamp: number, salt: string): Promise<boolean> {
    checkServerUrl(serverUrl);
    checkNonceInput(timestamp, salt);
    if (!inNonceWindow(timestamp, this.#now(), this.#skew)) return false;
    const key = `${serverUrl.length}:${serverUrl}\0${timestamp}\0${salt}`;
    if (this.#nonces.has(key)) return false;
    this.#nonces.set(key, timestamp);
    if (this.#nonces.size > this.#maxNonces) {
      await this.cleanupNonces();
      while (this.#nonces.size > this.#maxNonces)
        this.#nonces.delete(this.#nonces.keys().next().value as string);
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
    const cutoff = this.#now() - this.#skew;
    let n = 0;
    for (const [k, ts] of this.#nonces) {
      if (ts < cutoff) {
        this.#nonces.delete(k);
        n++;
      }
    }
    return n;
  }

  async cleanupAssociations(): Promise<number> {
    const now = this.#now();
    let n = 0;
    for (const m of this.#assocs.values()) {
      for (const [h, a] of m) {
        if (a.isExpired(now)) {
          m.delete(h);
          n++;
        }
      }
    }
    return n;
  }
}
