/**
 * File store: one directory, shareable by processes on one machine.
 * Associations are files written atomically (temp file + rename); a nonce is
 * a file created with O_EXCL, so "insert if absent" is atomic across
 * processes. File names are hashes: no server URL or handle can escape the
 * directory. The directory is `0700` and files `0600` (they hold secrets).
 */
import type * as Fs from 'node:fs';
import type * as FsPromises from 'node:fs/promises';
import type * as Path from 'node:path';
import { toHex } from '../platform/bytes.js';
import { requireNodeBuiltin } from '../platform/node-builtins.js';
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

// Node built-ins fetched when first used, not imported: this module is exported from the package root,
// which must load on runtimes without them (Workers, Vercel Edge); a file store is only made on Node.
const fsp = (): typeof FsPromises => requireNodeBuiltin<typeof FsPromises>('node:fs/promises');
const nodePath = (): typeof Path => requireNodeBuiltin<typeof Path>('node:path');
const fs = (): typeof Fs => requireNodeBuiltin<typeof Fs>('node:fs');

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
    const probe = nodePath().join(
      this.#dir,
      'tmp',
      `${toHex(crypto.getRandomValues(new Uint8Array(12)))}.clock`,
    );
    await fsp().writeFile(probe, '', { mode: 0o600 });
    try {
      return Math.floor((await fsp().stat(probe)).mtimeMs / 1000);
    } finally {
      await fsp().rm(probe, { force: true });
    }
  }

  #init(): Promise<void> {
    this.#ready ??= (async () => {
      for (const d of [
        this.#dir,
        nodePath().join(this.#dir, 'associations'),
        nodePath().join(this.#dir, 'nonces'),
        nodePath().join(this.#dir, 'tmp'),
      ]) {
        await fsp().mkdir(d, { recursive: true, mode: 0o700 });
      }
      await fsp().chmod(this.#dir, 0o700);
    })();
    return this.#ready;
  }

  #serverDir(serverUrl: string): string {
    return nodePath().join(this.#dir, 'associations', hashKey(serverUrl));
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
    await fsp().mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = nodePath().join(this.#dir, 'tmp', `${toHex(crypto.getRandomValues(new Uint8Array(12)))}.tmp`);
    await fsp().writeFile(tmp, a.serialize(), { mode: 0o600, flush: true });
    await fsp().rename(tmp, nodePath().join(dir, `${hashKey(a.handle)}.json`));
  }

  async #read(path: string): Promise<Association | null> {
    try {
      return Association.deserialize(await fsp().readFile(path, 'utf8'));
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
      const a = await this.#read(nodePath().join(dir, `${hashKey(handle)}.json`));
      return a && a.handle === handle && !a.isExpired(now) ? a : null;
    }
    let names: string[];
    try {
      names = await fsp().readdir(dir);
    } catch {
      return null;
    }
    let best: Association | null = null;
    for (const n of names) {
      const a = await this.#read(nodePath().join(dir, n));
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
        fsp().unlink(nodePath().join(this.#serverDir(serverUrl), `${hashKey(handle)}.json`)),
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
    const fh = await fsp().open(
      nodePath().join(this.#dir, 'nonces', `${timestamp}-${hashKey(serverUrl, timestamp, salt)}`),
      fs().constants.O_CREAT | fs().constants.O_EXCL | fs().constants.O_WRONLY,
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
    const tmp = nodePath().join(this.#dir, 'tmp');
    const cutoff = Date.now() - TEMP_FILE_MAX_AGE_MS;
    for (const name of await fsp().readdir(tmp)) {
      const st = await fsp()
        .stat(nodePath().join(tmp, name))
        .catch(() => null);
      if (st && st.mtimeMs < cutoff) await fsp().rm(nodePath().join(tmp, name), { force: true });
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
    for (const name of await fsp().readdir(nodePath().join(this.#dir, 'nonces'))) {
      const ts = Number(name.split('-', 1)[0]);
      if (Number.isFinite(ts) && ts < cutoff) {
        await fsp().rm(nodePath().join(this.#dir, 'nonces', name), { force: true });
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
    const root = nodePath().join(this.#dir, 'associations');
    for (const server of await fsp().readdir(root)) {
      const dir = nodePath().join(root, server);
      if (!(await fsp().stat(dir)).isDirectory()) continue;
      for (const name of await fsp().readdir(dir)) {
        const a = await this.#read(nodePath().join(dir, name));
        if (!a || a.isExpired(now)) {
          await fsp().rm(nodePath().join(dir, name), { force: true });
          if (a) n++;
        }
      }
    }
    return n;
  }
}
