/**
 * Which association a login uses: a held valid one, a new one negotiated now
 * (`'inline'`), none while a background worker makes one (`'background'`),
 * or none at all (`'none'`). A failed association never fails a login: the
 * login goes stateless (check_authentication) instead.
 */

import { EndpointMemory, negotiateAssociation } from '../associations/negotiate.js';
import type { SessionNegotiator } from '../associations/negotiation.js';
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
  /** The negative cache of endpoints; default one over `store`. */
  memory?: EndpointMemory;
}

/** What a login gets for one endpoint: the association to use, or why there is none. */
export interface BeginAssociation {
  /** The association to use; null: the login goes stateless. */
  association: Association | null;
  /**
   * The endpoint looks down: its associate request could not connect, timed
   * out or got a server error, now or moments ago. `begin()` then tries the
   * next discovered service.
   */
  unreachable: boolean;
  /** Why there is no association, for `AuthRequest.tried` and diagnostics. */
  reason?: { code: string; message: string };
}

export class AssociationManager {
  readonly negotiator: SessionNegotiator;
  readonly #o: AssociationManagerOptions;
  readonly #lastQueued = new Map<string, number>();
  /** In-flight inline negotiations, so concurrent logins to one provider share one exchange. */
  readonly #pending = new Map<string, Promise<BeginAssociation>>();
  /** The negative cache shared with the worker (through the store when it keeps notes). */
  readonly memory: EndpointMemory;

  constructor(options: AssociationManagerOptions) {
    this.#o = options;
    this.negotiator = options.negotiator;
    this.memory = options.memory ?? new EndpointMemory({ store: options.store, now: options.now });
  }

  /** The association to use for a new login at `endpoint`, or null for stateless. */
  async forBegin(endpoint: ServiceEndpoint): Promise<Association | null> {
    return (await this.forLogin(endpoint)).association;
  }

  /** The association for a new login at `endpoint`, and whether the endpoint looks down. */
  async forLogin(endpoint: ServiceEndpoint): Promise<BeginAssociation> {
    const { store, mode } = this.#o;
    if (!store || mode === 'none') return { association: null, unreachable: false };
    let held: Association | null = null;
    try {
      held = await store.getAssociation(endpoint.opEndpoint);
    } catch {
      return { association: null, unreachable: false }; // store down: go stateless for associations
    }
    if (held && held.expiresIn(this.#o.now()) > MIN_REMAINING_SECONDS) {
      debugLine(
        'association reused opEndpoint=%s expiresIn=%d',
        endpoint.opEndpoint,
        held.expiresIn(this.#o.now()),
      );
      return { association: held, unreachable: false };
    }
    if (mode === 'background') {
      // The worker notes endpoints it could not reach: a login skips them too.
      if (await this.memory.isUnreachable(endpoint.opEndpoint)) {
        return {
          association: null,
          unreachable: true,
          reason: { code: 'endpoint_unreachable', message: 'the endpoint was unreachable moments ago' },
        };
      }
      await this.#enqueue(endpoint);
      return { association: null, unreachable: false };
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

  #negotiate(endpoint: ServiceEndpoint): Promise<BeginAssociation> {
    const key = endpoint.opEndpoint;
    const pending = this.#pending.get(key);
    if (pending) return pending;
    const p = (async (): Promise<BeginAssociation> => {
      const r = await negotiateAssociation(endpoint.opEndpoint, endpoint.version, {
        fetcher: this.#o.fetcher,
        negotiator: this.negotiator,
        memory: this.memory,
        now: this.#o.now,
      });
      if (!r.association)
        return { association: null, unreachable: r.unreachable, ...(r.error ? { reason: r.error } : {}) };
      try {
        await this.#o.store?.storeAssociation(endpoint.opEndpoint, r.association);
      } catch {
        return { association: null, unreachable: false }; // unusable if complete() cannot find it
      }
      return { association: r.association, unreachable: false };
    })().finally(() => this.#pending.delete(key));
    this.#pending.set(key, p);
    return p;
  }
}
