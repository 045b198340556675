/** In-process queue: one process, the worker runs beside the relying party. */
import {
  type AssociationQueue,
  asList,
  checkEntry,
  DEFAULT_LEASE_MS,
  LocalWakeup,
  type QueuedEndpoint,
  type QueueOptions,
  type TakenEntry,
  type TakeOptions,
} from './queue.js';

interface Item {
  entry: TakenEntry;
  leaseUntil: number;
}

export class MemoryQueue implements AssociationQueue {
  readonly #items = new Map<string, Item>();
  readonly #leaseMs: number;
  readonly #now: () => number;
  readonly #wakeup = new LocalWakeup();

  constructor(options: QueueOptions = {}) {
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#now = options.nowMs ?? Date.now;
  }

  /** Record an endpoint; one already queued keeps its place. */
  async push(entry: QueuedEndpoint): Promise<void> {
    const e = checkEntry(entry);
    // Coalesce: an endpoint already waiting (not leased) needs no second entry.
    for (const item of this.#items.values()) {
      if (item.entry.opEndpoint === e.opEndpoint && item.leaseUntil <= this.#now()) return;
    }
    const id = crypto.randomUUID();
    this.#items.set(id, { entry: { ...e, id }, leaseUntil: 0 });
    this.#wakeup.wake();
  }

  #claim(max: number): TakenEntry[] {
    const now = this.#now();
    const out: TakenEntry[] = [];
    for (const item of this.#items.values()) {
      if (out.length >= max) break;
      if (item.leaseUntil <= now) {
        item.leaseUntil = now + this.#leaseMs;
        out.push(item.entry);
      }
    }
    return out;
  }

  async take(max: number, options: TakeOptions = {}): Promise<TakenEntry[]> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    for (;;) {
      const got = this.#claim(max);
      if (got.length > 0 || Date.now() >= deadline || options.signal?.aborted) return got;
      await this.#wakeup.wait(Math.min(deadline - Date.now(), 1000), options.signal);
    }
  }

  async ack(taken: TakenEntry | readonly TakenEntry[]): Promise<void> {
    for (const t of asList(taken)) this.#items.delete(t.id);
  }

  async release(taken: TakenEntry | readonly TakenEntry[]): Promise<void> {
    for (const t of asList(taken)) {
      const item = this.#items.get(t.id);
      if (item) item.leaseUntil = 0;
    }
  }

  /** Entries waiting or leased (for tests and metrics). */
  get size(): number {
    return this.#items.size;
  }
}
