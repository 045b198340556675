/**
 * File store: one directory, shareable by processes on one machine.
 * Associations are files written atomically (temp file + rename); a nonce is
 * a file created with O_EXCL, so "insert if absent" is atomic across
 * processes. File names are hashes: no server URL or handle can escape the
 * directory. The directory is `0700` and files `0600` (they hold secrets).
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Association, isValidHandle } from '../protocol/association.js';
import {
  CleanupSchedule,
  checkNonceInput,
  checkServerUrl,
  cleanupScheduleOptions,
  clock,
  hashKey,
  NONCE_CLEANUP_MARGIN,
  STORE_NONCE_SKEW,
  type StoreBaseOptions,
  timeoutOf,
  withDeadline,
  wrapError,
} from './common.js';
import type { OpenIDStore } from './store.js';

/** Temp files older than this are leftovers of a killed writer. */
const TEMP_FILE_MAX_AGE_MS = 3600_000;

/** Options of {@link FileStore}. */
export interface FileStoreOptions extends StoreBaseOptions {
  /** The directory (created if missing). */
  directory: string;
}

export class FileStore implements OpenIDStore {
  readonly #dir: string;
  readonly #now: () => number;
  readonly #skew: number;
  readonly #timeoutMs: number;
  /** Cleanup reads the file system's clock unless the app injected one (tests). */
  readonly #fsClock: boolean;
  readonly #cleanup: CleanupSchedule;
  #ready: Promise<void> | null = null;

  constructor(options: FileStoreOptions) {
    this.#dir = options.directory;
    this.#now = clock(options);
    this.#fsClock = options.now === undefined;
    this.#skew = options.nonceSkewSeconds ?? STORE_NONCE_SKEW;
    this.#timeoutMs = timeoutOf(options);
    this.#cleanup = new CleanupSchedule(cleanupScheduleOptions(options), async () => {
      await this.cleanupNonces();
      await this.cleanupAssociations();
    });
  }

  /** One operation with the deadline (a hung network file system fails it as `store_unavailable`). */
  #timed<T>(what: string, work: Promise<T>): Promise<T> {
    return withDeadline(work, this.#timeoutMs, what, `the file store ${this.#dir}`);
  }

  /**
   * Now, in Unix seconds, for cleanup: the modification time of a file just
   * written, i.e. the clock of the file system (on a network file system,
   * the server's) that every process sharing the directory sees.
   */
  async #cleanupNow(): Promise<number> {
    if (!this.#fsClock) return this.#now();
    const probe = join(this.#dir, 'tmp', `${randomBytes(12).toString('hex')}.clock`);
    await writeFile(probe, '', { mode: 0o600 });
    try {
      return Math.floor((await stat(probe)).mtimeMs / 1000);
    } finally {
      await rm(probe, { force: true });
    }
  }

  #init(): Promise<void> {
    this.#ready ??= (async () => {
      for (const d of [
        this.#dir,
        join(this.#dir, 'associations'),
        join(this.#dir, 'nonces'),
        join(this.#dir, 'tmp'),
      ]) {
        await mkdir(d, { recursive: true, mode: 0o700 });
      }
      await chmod(this.#dir, 0o700);
    })();
    return this.#ready;
  }

  #serverDir(serverUrl: string): string {
    return join(this.#dir, 'associations', hashKey(serverUrl));
  }

  async storeAssociation(serverUrl: string, a: Association): Promise<void> {
    checkServerUrl(serverUrl);
    this.#cleanup.maybeRun();
    try {
      await this.#timed('storing an association', this.#store(serverUrl, a));
    } catch (e) {
      throw wrapError(e, `storing an association in ${this.#dir}`);
    }
  }

  async #store(serverUrl: string, a: Association): Promise<void> {
    await this.#init();
    const dir = this.#serverDir(serverUrl);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.#dir, 'tmp', `${randomBytes(12).toString('hex')}.tmp`);
    await writeFile(tmp, a.serialize(), { mode: 0o600, flush: true });
    await rename(tmp, join(dir, `${hashKey(a.handle)}.json`));
  }

  async #read(path: string): Promise<Association | null> {
    try {
      return Association.deserialize(await readFile(path, 'utf8'));
    } catch {
      return null; // missing or corrupt: never used
    }
  }

  async getAssociation(serverUrl: string, handle?: string): Promise<Association | null> {
    checkServerUrl(serverUrl);
    const now = this.#now();
    const dir = this.#serverDir(serverUrl);
    if (handle !== undefined) {
      if (!isValidHandle(handle)) return null;
      const a = await this.#read(join(dir, `${hashKey(handle)}.json`));
      return a && a.handle === handle && !a.isExpired(now) ? a : null;
    }
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return null;
    }
    let best: Association | null = null;
    for (const n of names) {
      const a = await this.#read(join(dir, n));
      if (a && !a.isExpired(now) && (!best || a.issued >= best.issued)) best = a;
    }
    return best;
  }

  /** True only for the caller whose `unlink` removed the file: atomic across processes. */
  async removeAssociation(serverUrl: string, handle: string): Promise<boolean> {
    checkServerUrl(serverUrl);
    try {
      await this.#timed(
        'removing an association',
        unlink(join(this.#serverDir(serverUrl), `${hashKey(handle)}.json`)),
      );
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw wrapError(e, `removing an association in ${this.#dir}`);
    }
  }

  /** Insert if absent (`O_EXCL`); the relying party has checked the window. */
  async useNonce(serverUrl: string, timestamp: number, salt: string): Promise<boolean> {
    checkServerUrl(serverUrl);
    checkNonceInput(timestamp, salt);
    this.#cleanup.maybeRun();
    try {
      await this.#timed('recording a nonce', this.#createNonce(serverUrl, timestamp, salt));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw wrapError(e, `recording a nonce in ${this.#dir}`);
    }
  }

  async #createNonce(serverUrl: string, timestamp: number, salt: string): Promise<void> {
    await this.#init();
    // The timestamp leads the name so cleanup needs no file reads.
    const fh = await open(
      join(this.#dir, 'nonces', `${timestamp}-${hashKey(serverUrl, timestamp, salt)}`),
      constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY,
      0o600,
    );
    await fh.close();
  }

  /**
   * A writer killed between writing its temp file and renaming it leaves the
   * temp file behind (never read: only renamed files are). Remove those once
   * an hour old, long after any live writer would have renamed them. File
   * ages are wall-clock mtimes, not the injected clock.
   */
  async #removeStaleTempFiles(): Promise<void> {
    const tmp = join(this.#dir, 'tmp');
    const cutoff = Date.now() - TEMP_FILE_MAX_AGE_MS;
    for (const name of await readdir(tmp)) {
      const st = await stat(join(tmp, name)).catch(() => null);
      if (st && st.mtimeMs < cutoff) await rm(join(tmp, name), { force: true });
    }
  }

  async cleanupNonces(): Promise<number> {
    try {
      return await this.#cleanupNonces();
    } catch (e) {
      throw wrapError(e, 'cleaning nonces');
    }
  }

  async #cleanupNonces(): Promise<number> {
    await this.#init();
    const cutoff = (await this.#cleanupNow()) - this.#skew - NONCE_CLEANUP_MARGIN;
    let n = 0;
    for (const name of await readdir(join(this.#dir, 'nonces'))) {
      const ts = Number(name.split('-', 1)[0]);
      if (Number.isFinite(ts) && ts < cutoff) {
        await rm(join(this.#dir, 'nonces', name), { force: true });
        n++;
      }
    }
    return n;
  }

  async cleanupAssociations(): Promise<number> {
    try {
      return await this.#cleanupAssociations();
    } catch (e) {
      throw wrapError(e, 'cleaning associations');
    }
  }

  async #cleanupAssociations(): Promise<number> {
    await this.#init();
    const now = await this.#cleanupNow();
    await this.#removeStaleTempFiles();
    let n = 0;
    const root = join(this.#dir, 'associations');
    for (const server of await readdir(root)) {
      const dir = join(root, server);
      if (!(await stat(dir)).isDirectory()) continue;
      for (const name of await readdir(dir)) {
        const a = await this.#read(join(dir, name));
        if (!a || a.isExpired(now)) {
          await rm(join(dir, name), { force: true });
          if (a) n++;
        }
      }
    }
    return n;
  }
}
