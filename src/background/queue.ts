/**
 * The association queue contract (DESIGN.md §5): relying parties push OP
 * endpoints that need an association; a worker takes them, associates, and
 * acks. An entry taken but not acked within the lease is handed out again,
 * so a worker that crashes mid-batch loses nothing. Duplicates are harmless.
 */

import type { OpenIDVersion } from '../protocol/constants.js';
import { webScheme } from '../protocol/url-scheme.js';

/** What the relying party hands a background worker: enough to associate. */
export interface QueuedEndpoint {
  /** The OP endpoint URL to associate with. */
  opEndpoint: string;
  /** The protocol version discovery found for it (decides the associate request's form). */
  version: OpenIDVersion;
  /** The service types discovery found, for logs. */
  types?: readonly string[];
}

/** The part of an association queue the relying party uses. */
export interface AssociationQueueLike {
  /** Record an endpoint that needs an association; duplicates are harmless. */
  push(entry: QueuedEndpoint): Promise<void>;
}

/** An entry a worker holds: ack it when done. */
export interface TakenEntry extends QueuedEndpoint {
  /** Queue-specific id of this lease; pass the entry back to `ack()`. */
  readonly id: string;
}

/** Options of {@link AssociationQueue.take}. */
export interface TakeOptions {
  /** Wait up to this long for at least one entry. Default 0 (return at once). */
  waitMs?: number;
  /** Ends a wait early (the worker's `stop()` uses it). */
  signal?: AbortSignal;
}

/** Where relying parties record OP endpoints that need an association and workers take them from (DESIGN.md §5). */
export interface AssociationQueue extends AssociationQueueLike {
  /** Record an endpoint; pushing one already queued is harmless. */
  push(entry: QueuedEndpoint): Promise<void>;
  /** Up to `max` entries, leased to the caller. */
  take(max: number, options?: TakeOptions): Promise<TakenEntry[]>;
  /** Done with these entries: they are not handed out again. */
  ack(taken: TakenEntry | readonly TakenEntry[]): Promise<void>;
  /**
   * Give entries back unhandled (a worker shutting down): they are handed out
   * again at once instead of after their lease. Optional: without it the
   * lease expiry does the same, later.
   */
  release?(taken: TakenEntry | readonly TakenEntry[]): Promise<void>;
  /** Release connections or file handles, if the queue holds any. */
  close?(): Promise<void>;
}

/** Options every queue takes. */
export interface QueueOptions {
  /** How long a taken entry stays leased before it is handed out again. Default 60 s. */
  leaseMs?: number;
  /** Clock in milliseconds (tests). */
  nowMs?: () => number;
}

export const DEFAULT_LEASE_MS = 60_000;

/** Sleep that an AbortSignal ends early. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Check an entry before it is queued. */
export function checkEntry(entry: QueuedEndpoint): QueuedEndpoint {
  if (
    typeof entry.opEndpoint !== 'string' ||
    webScheme(entry.opEndpoint) === null ||
    entry.opEndpoint.length > 2048
  ) {
    throw new TypeError('queue entry needs an http(s) opEndpoint of at most 2048 characters');
  }
  if (entry.version !== '2.0' && entry.version !== '1.1' && entry.version !== '1.0') {
    throw new TypeError('queue entry needs a version');
  }
  return {
    opEndpoint: entry.opEndpoint,
    version: entry.version,
    ...(Array.isArray(entry.types) && entry.types.every((t) => typeof t === 'string')
      ? { types: [...entry.types] }
      : {}),
  };
}

/** One entry or a list of them, as a list. */
export function asList(taken: TakenEntry | readonly TakenEntry[]): readonly TakenEntry[] {
  return Array.isArray(taken) ? (taken as readonly TakenEntry[]) : [taken as TakenEntry];
}

/** Parse a stored entry; null when it is not a valid one (a corrupt line or row is skipped, never fatal). */
export function parseEntry(text: string): QueuedEndpoint | null {
  try {
    const v = JSON.parse(text) as QueuedEndpoint;
    if (v === null || typeof v !== 'object') return null;
    return checkEntry(v);
  } catch {
    return null;
  }
}

/**
 * Wakes take() calls waiting in this process when a push arrives here. A
 * wait that ends by its timeout removes its waiter, so a worker polling for
 * days holds no pile of forgotten callbacks.
 */
export class LocalWakeup {
  readonly #waiters = new Set<() => void>();

  /** Waits in progress (tests). */
  get waiting(): number {
    return this.#waiters.size;
  }

  wake(): void {
    const w = [...this.#waiters];
    this.#waiters.clear();
    for (const f of w) f();
  }

  /** Until wake(), `also` settles, `ms` pass or `signal` aborts. */
  async wait(ms: number, signal?: AbortSignal, also?: Promise<void>): Promise<void> {
    let waiter = () => {};
    const woken = new Promise<void>((r) => {
      waiter = r;
      this.#waiters.add(r);
    });
    // Ending the timer too: a long wait that is woken early keeps no timer (or process) alive.
    const done = new AbortController();
    const timer = sleep(ms, signal ? AbortSignal.any([signal, done.signal]) : done.signal);
    try {
      await Promise.race([woken, timer, ...(also ? [also] : [])]);
    } finally {
      this.#waiters.delete(waiter);
      done.abort();
    }
  }
}
