/**
 * The association worker (DESIGN.md §5): takes OP endpoints off a queue,
 * skips those whose association is still good beyond the renewal margin,
 * negotiates and stores the others, and logs one structured line each with
 * the time a user would otherwise have waited. It renews the associations
 * it made before they lapse. One bad endpoint never stops it: it stays
 * queued, and this worker tries it again after 1 min, 2, 4, … up to 1 h.
 */
import { createFetcher, type Fetcher, type FetchOptions } from '../discovery/fetcher.js';
import { SessionNegotiator } from '../rp/associations.js';
import { EndpointMemory, negotiateAssociation } from '../rp/negotiation.js';
import type { OpenIDStore } from '../stores/store.js';
import type { AssociationQueue, QueuedEndpoint, TakenEntry } from './queue.js';
import { sleep } from './queue.js';

/** Options of {@link startAssociationWorker} and {@link runWorkerOnce}. */
export interface WorkerOptions {
  /** Where associations are stored: the same store the relying parties read. */
  store: OpenIDStore;
  /** Where relying parties put the endpoints that need an association. */
  queue: AssociationQueue;
  /** Association and session types to try, in order. Default: HMAC-SHA256 over DH-SHA256, then HMAC-SHA1 over DH-SHA1. */
  negotiator?: SessionNegotiator;
  /** Fetcher for the associate requests; default an SSRF-guarded one built from `fetch`. */
  fetcher?: Fetcher;
  /** Limits of the default fetcher (timeouts, sizes, `allowPrivateNetworks`). */
  fetch?: FetchOptions;
  /** Renew associations expiring within this many seconds. Default 300. */
  renewalMarginSeconds?: number;
  /** Entries taken per batch. Default 10. */
  batchSize?: number;
  /** How long one take() waits for entries. Default 1000 ms. */
  waitMs?: number;
  /** How often to look for associations to renew. Default 60 s. */
  renewIntervalMs?: number;
  /** One structured log line per event. Default: JSON on stdout. */
  logger?: (line: Record<string, unknown>) => void;
  /** Clock in Unix seconds. */
  now?: () => number;
  /**
   * The negative cache shared with the relying parties (pairs a provider
   * refused, endpoints found unreachable). Default: one over `store`, so a
   * store that keeps endpoint notes shares them with every relying party.
   */
  memory?: EndpointMemory;
  /**
   * Ends a `runWorkerOnce` early (SIGINT/SIGTERM): the entry in hand is
   * finished, the rest of the batch given back. `startAssociationWorker`
   * has `stop()` for this.
   */
  signal?: AbortSignal;
}

/** Counts since the worker started (or of one {@link runWorkerOnce} pass). */
export interface WorkerStats {
  /** Entries taken off the queue. */
  taken: number;
  /** Associations negotiated and stored. */
  associated: number;
  /** Entries whose endpoint already held an association valid beyond the renewal margin. */
  skipped: number;
  /** Associate attempts that failed; the entry is left leased and comes back later. */
  failed: number;
}

/** After a failure an endpoint waits 1 min, then 2, 4, … up to 1 h before this worker tries it again. */
const BACKOFF_FIRST_SECONDS = 60;
const BACKOFF_MAX_SECONDS = 3600;

type Outcome = 'done' | 'failed' | 'deferred';

function setup(options: WorkerOptions) {
  const fetcher = options.fetcher ?? createFetcher(options.fetch ?? {});
  const negotiator = options.negotiator ?? new SessionNegotiator();
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const log = options.logger ?? ((line) => process.stdout.write(`${JSON.stringify(line)}\n`));
  const margin = options.renewalMarginSeconds ?? 300;
  const memory = options.memory ?? new EndpointMemory({ store: options.store, now });
  /** Endpoints this worker associated or found associated: renewal covers these. */
  const seen = new Map<string, QueuedEndpoint>();
  /** Endpoints that failed: failures in a row, and when to try again (Unix seconds). */
  const failures = new Map<string, { count: number; retryAt: number }>();

  /** Record a failure; returns the seconds until the next try. */
  function backOff(opEndpoint: string): number {
    const count = (failures.get(opEndpoint)?.count ?? 0) + 1;
    const delay = Math.min(BACKOFF_FIRST_SECONDS * 2 ** (count - 1), BACKOFF_MAX_SECONDS);
    if (failures.size > 10_000) failures.clear();
    failures.set(opEndpoint, { count, retryAt: now() + delay });
    return delay;
  }

  async function handle(entry: TakenEntry, stats: WorkerStats): Promise<Outcome> {
    const f = failures.get(entry.opEndpoint);
    // Still backing off: leave it leased, so it comes back after the lease without a request now.
    if (f && now() < f.retryAt) return 'deferred';
    stats.taken++;
    try {
      const held = await options.store.getAssociation(entry.opEndpoint);
      if (held && held.expiresIn(now()) > margin) {
        stats.skipped++;
        log({ event: 'skipped', opEndpoint: entry.opEndpoint, expiresIn: held.expiresIn(now()) });
        failures.delete(entry.opEndpoint);
        // Another worker (or an earlier run) made it: renew it all the same when its time comes.
        seen.set(entry.opEndpoint, { opEndpoint: entry.opEndpoint, version: entry.version });
        return 'done';
      }
      const r = await negotiateAssociation(entry.opEndpoint, entry.version, {
        fetcher,
        negotiator,
        memory,
        now,
      });
      const elapsedMs = r.attempts.reduce((s, a) => s + a.elapsedMs, 0);
      if (!r.association && r.remembered === 'refused') {
        // Known to fail until the note expires: done with this entry, no request made.
        stats.skipped++;
        log({ event: 'skipped', opEndpoint: entry.opEndpoint, remembered: 'refused', code: r.error?.code });
        return 'done';
      }
      if (!r.association) {
        stats.failed++;
        log({
          event: 'associate_failed',
          opEndpoint: entry.opEndpoint,
          code: r.error?.code,
          message: r.error?.message,
          ...(r.remembered ? { remembered: r.remembered } : {}),
          elapsedMs,
          retryInSeconds: backOff(entry.opEndpoint),
        });
        // Not acked: the lease hands it out again later.
        return 'failed';
      }
      await options.store.storeAssociation(entry.opEndpoint, r.association);
      seen.set(entry.opEndpoint, { opEndpoint: entry.opEndpoint, version: entry.version });
      failures.delete(entry.opEndpoint);
      stats.associated++;
      const last = r.attempts[r.attempts.length - 1];
      log({
        event: 'associated',
        opEndpoint: entry.opEndpoint,
        assocType: r.association.assocType,
        sessionType: last?.pair.sessionType,
        elapsedMs,
      });
      return 'done';
    } catch (e) {
      stats.failed++;
      log({
        event: 'associate_failed',
        opEndpoint: entry.opEndpoint,
        code: 'worker_error',
        message: e instanceof Error ? e.message : String(e),
        retryInSeconds: backOff(entry.opEndpoint),
      });
      return 'failed';
    }
  }

  /**
   * Take and handle one batch; returns how many entries were handled. With
   * `tried` (a single pass), an endpoint that already failed in this pass is
   * left leased instead of tried again: a lease shorter than a slow failure
   * must not make the pass loop.
   */
  async function batch(
    stats: WorkerStats,
    waitMs: number,
    signal?: AbortSignal,
    tried?: Set<string>,
  ): Promise<number> {
    const taken = await options.queue.take(options.batchSize ?? 10, {
      waitMs,
      ...(signal ? { signal } : {}),
    });
    let handled = 0;
    for (let i = 0; i < taken.length; i++) {
      if (signal?.aborted) {
        // Shutting down: give back what is not started, so another worker has it at once.
        const rest = taken.slice(i);
        await options.queue.release?.(rest);
        log({ event: 'released', count: rest.length });
        break;
      }
      const entry = taken[i] as TakenEntry;
      if (tried?.has(entry.opEndpoint)) continue;
      const outcome = await handle(entry, stats);
      if (outcome === 'deferred') continue;
      handled++;
      // Acked one by one: a worker killed mid-batch redoes at most the entry it was on.
      if (outcome === 'done') await options.queue.ack(entry);
      else tried?.add(entry.opEndpoint);
    }
    return handled;
  }

  async function renew(): Promise<void> {
    for (const e of seen.values()) {
      // Backing off after a failure: its entry is still queued, another would only pile up.
      if ((failures.get(e.opEndpoint)?.retryAt ?? 0) > now()) continue;
      const held = await options.store.getAssociation(e.opEndpoint).catch(() => null);
      if (!held || held.expiresIn(now()) <= margin) await options.queue.push(e).catch(() => {});
    }
  }

  return { batch, renew, log };
}

/** Drain the queue once (cron style) and return what was done. */
export async function runWorkerOnce(options: WorkerOptions): Promise<WorkerStats> {
  const w = setup(options);
  const stats: WorkerStats = { taken: 0, associated: 0, skipped: 0, failed: 0 };
  // Failed entries stay leased, so the loop ends when nothing new is waiting.
  const tried = new Set<string>();
  while (!options.signal?.aborted && (await w.batch(stats, 0, options.signal, tried)) > 0) {}
  return stats;
}

/** A running worker: `stop()` finishes the entry in hand and returns. */
export interface RunningWorker {
  /** Stop taking entries; resolves when the entry in hand is finished. */
  stop(): Promise<void>;
  /** Resolves when the worker loop has ended. */
  readonly done: Promise<void>;
  /** Live counts. */
  readonly stats: WorkerStats;
}

/** Start a worker in this process (or under `openid2 worker --watch`). */
export function startAssociationWorker(options: WorkerOptions): RunningWorker {
  const w = setup(options);
  const stats: WorkerStats = { taken: 0, associated: 0, skipped: 0, failed: 0 };
  const controller = new AbortController();
  const renewEvery = options.renewIntervalMs ?? 60_000;
  const done = (async () => {
    let lastRenew = Date.now();
    while (!controller.signal.aborted) {
      try {
        const n = await w.batch(stats, options.waitMs ?? 1000, controller.signal);
        if (n === 0 && !controller.signal.aborted) await sleep(50, controller.signal);
        if (Date.now() - lastRenew >= renewEvery) {
          lastRenew = Date.now();
          await w.renew();
        }
      } catch (e) {
        w.log({ event: 'worker_error', message: e instanceof Error ? e.message : String(e) });
        await sleep(1000, controller.signal);
      }
    }
  })();
  return {
    stats,
    done,
    async stop() {
      controller.abort();
      await done;
    },
  };
}
