/**
 * Append-only file queue (DESIGN.md §5): the simplest conduit between the
 * relying parties and a worker on one machine.
 *
 * - `queue.log`: one JSON line per endpoint. Every push is one `O_APPEND`
 *   write of one whole line, so any number of processes can append at once
 *   without interleaving.
 * - `consumer-<name>.json`: the consumer's read offset in the log and the
 *   entries it has leased but not acked, rewritten atomically (temp file +
 *   rename) under a lock directory. An entry moves from "after the offset"
 *   to "leased" in one such write, so a worker killed at any point loses
 *   nothing: its leased entries are handed out again when their lease ends.
 *
 * An entry's id is the byte offset of its line, unique for the log's life.
 * Lines that are not valid entries are skipped, never fatal. The directory
 * is `0700` and its files `0600`. The consumed prefix is not compacted: the
 * log grows by one short line per queued endpoint (at most one per endpoint
 * per minute per relying-party process); delete the directory while no
 * worker runs to start over.
 *
 * @example
 * const queue = new FileQueue({ directory: '/var/lib/openid2/queue' });
 */
import type * as FsPromises from 'node:fs/promises';
import type * as Path from 'node:path';
import { toHex } from '../platform/bytes.js';
import { requireNodeBuiltin } from '../platform/node-builtins.js';
import { wrapError } from '../stores/common.js';
import {
  type AssociationQueue,
  asList,
  checkEntry,
  DEFAULT_LEASE_MS,
  LocalWakeup,
  parseEntry,
  type QueuedEndpoint,
  type QueueOptions,
  sleep,
  type TakenEntry,
  type TakeOptions,
} from './queue.js';

// Node built-ins fetched when first used, not imported: this module is exported from the package root,
// which must load on runtimes without them (Workers, Vercel Edge); a file store is only made on Node.
const fsp = (): typeof FsPromises => requireNodeBuiltin<typeof FsPromises>('node:fs/promises');
const nodePath = (): typeof Path => requireNodeBuiltin<typeof Path>('node:path');

export interface FileQueueOptions extends QueueOptions {
  /** The queue's directory (created `0700` if missing). */
  directory: string;
  /** Consumers with the same name share one read offset. Default `worker`. */
  consumer?: string;
}

interface ConsumerState {
  offset: number;
  leased: Record<string, { entry: QueuedEndpoint; until: number }>;
}

/** A lock older than this is taken to be left by a killed process (a holder keeps it for milliseconds). */
const STALE_LOCK_MS = 5_000;
/** Bytes of the log read per take. */
const READ_CHUNK = 1 << 20;

export class FileQueue implements AssociationQueue {
  readonly #dir: string;
  readonly #log: string;
  readonly #state: string;
  readonly #lock: string;
  readonly #leaseMs: number;
  readonly #now: () => number;
  #ready: Promise<void> | null = null;
  readonly #wakeup = new LocalWakeup();

  constructor(options: FileQueueOptions) {
    const consumer = options.consumer ?? 'worker';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(consumer)) throw new TypeError('consumer must be a plain name');
    this.#dir = options.directory;
    this.#log = nodePath().join(this.#dir, 'queue.log');
    this.#state = nodePath().join(this.#dir, `consumer-${consumer}.json`);
    this.#lock = nodePath().join(this.#dir, `consumer-${consumer}.lock`);
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#now = options.nowMs ?? Date.now;
  }

  #init(): Promise<void> {
    this.#ready ??= (async () => {
      await fsp().mkdir(this.#dir, { recursive: true, mode: 0o700 });
      await fsp().chmod(this.#dir, 0o700);
    })().catch((e: unknown) => {
      this.#ready = null;
      throw e;
    });
    return this.#ready;
  }

  async push(entry: QueuedEndpoint): Promise<void> {
    const line = Buffer.from(`${JSON.stringify(checkEntry(entry))}\n`);
    try {
      await this.#init();
      // One write of one whole line with O_APPEND: concurrent appenders never interleave.
      const fh = await fsp().open(this.#log, 'a', 0o600);
      try {
        await fh.write(line);
      } finally {
        await fh.close();
      }
    } catch (e) {
      throw wrapError(e, 'appending to the queue file');
    }
    this.#wakeup.wake();
  }

  /** Run `f` holding the consumer lock (a directory: mkdir is atomic). */
  async #locked<T>(f: () => Promise<T>): Promise<T> {
    await this.#init();
    const giveUp = Date.now() + 30_000;
    for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
      try {
        await fsp().mkdir(this.#lock, { mode: 0o700 });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const age = await fsp()
          .stat(this.#lock)
          .then(
            (s) => Date.now() - s.mtimeMs,
            () => 0,
          );
        if (age > STALE_LOCK_MS)
          await fsp()
            .rmdir(this.#lock)
            .catch(() => {});
        if (Date.now() > giveUp) throw new Error('the queue consumer lock stays taken');
        await sleep(pause);
      }
    }
    try {
      return await f();
    } finally {
      await fsp()
        .rmdir(this.#lock)
        .catch(() => {});
    }
  }

  async #load(): Promise<ConsumerState> {
    let text: string;
    try {
      text = await fsp().readFile(this.#state, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { offset: 0, leased: {} };
      throw e;
    }
    const s = JSON.parse(text) as ConsumerState;
    if (!Number.isSafeInteger(s.offset) || typeof s.leased !== 'object' || s.leased === null)
      throw new Error('the queue consumer state file is not valid');
    return s;
  }

  async #save(s: ConsumerState): Promise<void> {
    const tmp = nodePath().join(this.#dir, `.${toHex(crypto.getRandomValues(new Uint8Array(8)))}.tmp`);
    await fsp().writeFile(tmp, JSON.stringify(s), { mode: 0o600, flush: true });
    await fsp().rename(tmp, this.#state);
  }

  /** Complete lines of the log from `offset`: each entry with its id, and the offset after them. */
  async #readFrom(offset: number, max: number): Promise<{ entries: TakenEntry[]; offset: number }> {
    let fh: FsPromises.FileHandle;
    try {
      fh = await fsp().open(this.#log, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], offset };
      throw e;
    }
    try {
      // Most takes find nothing new: look at the size before reading.
      const size = (await fh.stat()).size;
      if (size <= offset) return { entries: [], offset };
      const want = Math.min(size - offset, READ_CHUNK);
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, offset);
      const entries: TakenEntry[] = [];
      let pos = 0;
      while (entries.length < max) {
        const nl = buf.indexOf(0x0a, pos);
        // A line still being written (or none) ends the read: only whole lines count.
        if (nl === -1 || nl >= bytesRead) break;
        const entry = parseEntry(buf.subarray(pos, nl).toString('utf8'));
        if (entry) entries.push({ ...entry, id: String(offset + pos) });
        pos = nl + 1;
      }
      // A full chunk without one newline is not an entry anyone wrote: skip it.
      if (pos === 0 && bytesRead === READ_CHUNK && buf.indexOf(0x0a) === -1) pos = READ_CHUNK;
      return { entries, offset: offset + pos };
    } finally {
      await fh.close();
    }
  }

  #claim(max: number): Promise<TakenEntry[]> {
    return this.#locked(async () => {
      const s = await this.#load();
      const now = this.#now();
      const out: TakenEntry[] = [];
      for (const [id, l] of Object.entries(s.leased)) {
        if (out.length >= max) break;
        if (l.until <= now) {
          l.until = now + this.#leaseMs;
          out.push({ ...l.entry, id });
        }
      }
      if (out.length < max) {
        const read = await this.#readFrom(s.offset, max - out.length);
        for (const e of read.entries) {
          const { id, ...entry } = e;
          s.leased[id] = { entry, until: now + this.#leaseMs };
          out.push(e);
        }
        s.offset = read.offset;
      }
      if (out.length > 0) await this.#save(s);
      return out;
    });
  }

  async take(max: number, options: TakeOptions = {}): Promise<TakenEntry[]> {
    const deadline = Date.now() + (options.waitMs ?? 0);
    // Other processes append without telling us: poll, backing off to half a second.
    for (let pause = 25; ; pause = Math.min(pause * 2, 500)) {
      let got: TakenEntry[];
      try {
        got = await this.#claim(max);
      } catch (e) {
        throw wrapError(e, 'taking from the queue file');
      }
      if (got.length > 0 || Date.now() >= deadline || options.signal?.aborted) return got;
      await this.#wakeup.wait(Math.min(deadline - Date.now(), pause), options.signal);
    }
  }

  async #update(taken: TakenEntry | readonly TakenEntry[], f: (s: ConsumerState, id: string) => void) {
    const list = asList(taken);
    if (list.length === 0) return;
    await this.#locked(async () => {
      const s = await this.#load();
      for (const t of list) f(s, t.id);
      await this.#save(s);
    });
  }

  async ack(taken: TakenEntry | readonly TakenEntry[]): Promise<void> {
    try {
      await this.#update(taken, (s, id) => {
        delete s.leased[id];
      });
    } catch (e) {
      throw wrapError(e, 'acking queue entries');
    }
  }

  async release(taken: TakenEntry | readonly TakenEntry[]): Promise<void> {
    try {
      await this.#update(taken, (s, id) => {
        const l = s.leased[id];
        if (l) l.until = 0;
      });
    } catch (e) {
      throw wrapError(e, 'releasing queue entries');
    }
  }
}
