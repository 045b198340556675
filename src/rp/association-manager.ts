/**
 * Which association a login uses: a held valid one, a new one negotiated now
 * (`'inline'`), none while a background worker makes one (`'background'`),
 * or none at all (`'none'`). A failed association never fails a login: the
 * login goes stateless (check_authentication) instead.
 */

import { associate, type SessionNegotiator } from '../associations/negotiation.js';
import type { AssociationQueueLike } from '../background/queue.js';
import { debugLine } from '../diagnostics/index.js';
import type { ServiceEndpoint } from '../discovery/endpoints.js';
import type { Fetcher } from '../discovery/fetcher.js';
import type { Association } from '../protocol/association.js';
import type { OpenIDStore } from '../stores/store.js';

export type { AssociationQueueLike, QueuedEndpoint } from '../background/queue.js';

/** Associations expiring sooner than this are not used for a new login (it could outlive them). */
const MIN_REMAINING_SECONDS = 120;
/** One queue entry per endpoint per this many milliseconds from one process. */
const QUEUE_INTERVAL_MS = 60_000;

export interface AssociationManagerOptions {
  store: OpenIDStore | null;
  mode: 'inline' | 'background' | 'none';
  queue?: AssociationQueueLike | undefined;
  fetcher: Fetcher;
  negotiator: SessionNegotiator;
  now: () => number;
}

export class AssociationManager {
  readonly negotiator: SessionNegotiator;
  readonly #o: AssociationManagerOptions;
  readonly #lastQueued = new Map<string, number>();
  /** In-flight inline negotiations, so concurrent logins to one provider share one exchange. */
  readonly #pending = new Map<string, Promise<Association | null>>();

  constructor(options: AssociationManagerOptions) {
    this.#o = options;
    this.negotiator = options.negotiator;
  }

  /** The association to use for a new login at `endpoint`, or null for stateless. */
  async forBegin(endpoint: ServiceEndpoint): Promise<Association | null> {
    const { store, mode } = this.#o;
    if (!store || mode === 'none') return null;
    let held: Association | null = null;
    try {
      held = await store.getAssociation(endpoint.opEndpoint);
    } catch {
      return null; // store down: go stateless for associations
    }
    if (held && held.expiresIn(this.#o.now()) > MIN_REMAINING_SECONDS) {
      debugLine(
        'association reused opEndpoint=%s expiresIn=%d',
        endpoint.opEndpoint,
        held.expiresIn(this.#o.now()),
      );
      return held;
    }
    if (mode === 'background') {
      await this.#enqueue(endpoint);
      return null;
    }
    return this.#negotiate(endpoint);
  }

  async #enqueue(endpoint: ServiceEndpoint): Promise<void> {
    const last = this.#lastQueued.get(endpoint.opEndpoint);
    const nowMs = this.#o.now() * 1000;
    if (last !== undefined && nowMs - last < QUEUE_INTERVAL_MS) return;
    this.#lastQueued.set(endpoint.opEndpoint, nowMs);
    if (this.#lastQueued.size > 10_000) this.#lastQueued.clear();
    try {
      await this.#o.queue?.push({
        opEndpoint: endpoint.opEndpoint,
        version: endpoint.version,
        types: endpoint.types,
      });
    } catch {
      this.#lastQueued.delete(endpoint.opEndpoint); // try again next login
    }
  }

  #negotiate(endpoint: ServiceEndpoint): Promise<Association | null> {
    const key = endpoint.opEndpoint;
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const p = (async () => {
      const r = await associate(endpoint.opEndpoint, endpoint.version, {
        fetcher: this.#o.fetcher,
        negotiator: this.negotiator,
        now: this.#o.now,
      });
      if (!r.association) return null;
      try {
        await this.#o.store?.storeAssociation(endpoint.opEndpoint, r.association);
      } catch {
        return null; // unusable if complete() cannot find it
      }
      return r.association;
    })().finally(() => this.#pending.delete(key));
    this.#pending.set(key, p);
    return p;
  }
}
