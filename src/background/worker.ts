/**
 * The association worker (DESIGN.md §5): takes OP endpoints off a queue,
 * skips those whose association is still good beyond the renewal margin,
 * negotiates and stores the others, and logs one structured line each with
 * the time a user would otherwise have waited. It renews the associations
 * it made before they lapse. One bad endpoint never stops it: it stays
 * queued, and this worker tries it again after 1 min, 2, 4, … up to 1 h.
 *
 * A store that does not answer (`StoreError`: down, frozen, past its
 * deadline) is not the provider's fault: the entry keeps no provider
 * back-off, an association already negotiated is kept in memory and stored
 * when the store answers again, entries in hand are kept (and given back to
 * the queue when it answers), and the worker waits for the store with a
 * short capped back-off (0.25 s doubling to 2 s).
 */

import { EndpointMemory, negotiateAssociation } from '../associations/negotiate.js';
import { SessionNegotiator } from '../associations/negotiation.js';
import { trace } from '../diagnostics/index.js';
import { createDefaultFetcher } from '../discovery/default-fetcher.js';
import type { Fetcher, FetchOptions } from '../discovery/fetcher.js';
import type { Association } from '../protocol/association.js';
import { StoreError } from '../protocol/errors.js';
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

/** While the store does not answer, the worker waits 0.25 s, doubling up to 2 s, between tries. */
const STORE_WAIT_FIRST_MS = 250;
const STORE_WAIT_MAX_MS = 2000;

type Outcome = 'done' | 'failed' | 'deferred' | 'store_down';

/** The store (or the queue beside it) did not answer: infrastructure, not the provider. */
class StoreDown extends Error {}

function setup(options: WorkerOptions) {
  const fetcher = options.fetcher ?? createDefaultFetcher(options.fetch ?? {});
  const negotiator = options.negotiator ?? new SessionNegotiator();
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const log = options.logger ?? ((line) => process.stdout.write(`${JSON.stringify(line)}\n`));
  const margin = options.renewalMarginSeconds ?? 300;
  const memory = options.memory ?? new EndpointMemory({ store: options.store, now });
  /** Endpoints this worker associated or found associated: renewal covers these. */
  const seen = new Map<string, QueuedEndpoint>();
  /** Endpoints that failed: failures in a row, and when to try again (Unix seconds). */
  const failures = new Map<string, { count: number; retryAt: number }>();
  /** Associations negotiated but not yet stored (the store did not answer): stored first when it does. */
  const unstored = new Map<string, Association>();
  /** Entries in hand when the store stopped answering: handled before taking more. */
  let held: TakenEntry[] = [];
  /** Store waits in a row, for the capped back-off. */
  let storeWaits = 0;
  let lastStoreError: StoreError | null = null;

  /** Record a failure; returns the seconds until the next try. */
  function backOff(opEndpoint: string): number {
    const count = (failures.get(opEndpoint)?.count ?? 0) + 1;
    const delay = Math.min(BACKOFF_FIRST_SECONDS * 2 ** (count - 1), BACKOFF_MAX_SECONDS);
    if (failures.size > 10_000) failures.clear();
    failures.set(opEndpoint, { count, retryAt: now() + delay });
    return delay;
  }

  /** One queue entry, traced on `openid2:worker.job`. */
  function handle(entry: TakenEntry, stats: WorkerStats): Promise<Outcome> {
    return trace('openid2:worker.job', { opEndpoint: entry.opEndpoint }, async (ctx) => {
      const skippedBefore = stats.skipped;
      const outcome = await handleUntraced(entry, stats);
      ctx.outcome = outcome === 'done' ? (stats.skipped > skippedBefore ? 'skipped' : 'associated') : outcome;
      return outcome;
    });
  }

  async function handleUntraced(entry: TakenEntry, stats: WorkerStats): Promise<Outcome> {
    const f = failures.get(entry.opEndpoint);
    // Still backing off: leave it leased, so it comes back after the lease without a request now.
    if (f && now() < f.retryAt) return 'deferred';
    stats.taken++;
    try {
      const kept = unstored.get(entry.opEndpoint);
      if (kept && kept.expiresIn(now()) > margin) {
        // The exchange finished before the store went away: store it, no new request to the provider.
        await options.store.storeAssociation(entry.opEndpoint, kept);
        unstored.delete(entry.opEndpoint);
        seen.set(entry.opEndpoint, { opEndpoint: entry.opEndpoint, version: entry.version });
        stats.associated++;
        log({ event: 'associated', opEndpoint: entry.opEndpoint, assocType: kept.assocType, kept: true });
        return 'done';
      }
      unstored.delete(entry.opEndpoint);
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
      try {
        await options.store.storeAssociation(entry.opEndpoint, r.association);
      } catch (e) {
        if (e instanceof StoreError) {
          if (unstored.size > 10_000) unstored.clear();
          unstored.set(entry.opEndpoint, r.association);
        }
        throw e;
      }
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
      if (e instanceof StoreError) {
        log({ event: 'store_unavailable', opEndpoint: entry.opEndpoint, code: e.code, message: e.message });
        lastStoreError = e;
        return 'store_down';
      }
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
    let taken: TakenEntry[];
    if (held.length > 0) {
      taken = held;
      held = [];
    } else {
      try {
        taken = await options.queue.take(options.batchSize ?? 10, {
          waitMs,
          ...(signal ? { signal } : {}),
        });
      } catch (e) {
        if (e instanceof StoreError) throw new StoreDown(e.message, { cause: e });
        throw e;
      }
    }
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
      if (outcome === 'store_down') {
        // Give the rest back at once; if the queue does not answer either, keep them in hand.
        const rest = taken.slice(i);
        const given = await (options.queue.release?.(rest).then(() => true) ?? Promise.resolve(false)).catch(
          () => false,
        );
        if (!given) held = rest;
        throw new StoreDown('the store does not answer', { cause: lastStoreError });
      }
      handled++;
      storeWaits = 0;
      // Acked one by one: a worker killed mid-batch redoes at most the entry it was on.
      if (outcome === 'done') await options.queue.ack(entry).catch(() => {});
      else tried?.add(entry.opEndpoint);
    }
    return handled;
  }

  /** How long to wait for the store before trying again: short, capped. */
  function storeWait(): number {
    storeWaits++;
    return Math.min(STORE_WAIT_FIRST_MS * 2 ** (storeWaits - 1), STORE_WAIT_MAX_MS);
  }

  async function renew(): Promise<void> {
    for (const e of seen.values()) {
      // Backing off after a failure: its entry is still queued, another would only pile up.
      if ((failures.get(e.opEndpoint)?.retryAt ?? 0) > now()) continue;
      const held = await options.store.getAssociation(e.opEndpoint).catch(() => null);
      if (!held || held.expiresIn(now()) <= margin) await options.queue.push(e).catch(() => {});
    }
  }

  return { batch, renew, log, storeWait };
}

/** Drain the queue once (cron style) and return what was done. */
export async function runWorkerOnce(options: WorkerOptions): Promise<WorkerStats> {
  const w = setup(options);
  const stats: WorkerStats = { taken: 0, associated: 0, skipped: 0, failed: 0 };
  // Failed entries stay leased, so the loop ends when nothing new is waiting.
  const tried = new Set<string>();
  try {
    while (!options.signal?.aborted && (await w.batch(stats, 0, options.signal, tried)) > 0) {}
  } catch (e) {
    // The store does not answer: end this pass with its error; the entries come back by their lease.
    if (e instanceof StoreDown && e.cause instanceof StoreError) throw e.cause;
    throw e;
  }
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
        if (e instanceof StoreDown) {
          const ms = w.storeWait();
          w.log({ event: 'waiting_for_store', retryInMs: ms });
          await sleep(ms, controller.signal);
          continue;
        }
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
