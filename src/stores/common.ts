/**
 * What every store shares: input checks, the nonce window, key hashing,
 * clock injection and error wrapping that never leaks credentials.
 */
import type * as NodeModule from 'node:module';
import { toHex } from '../platform/bytes.js';
import { digest } from '../platform/hash.js';
import { requireNodeBuiltin } from '../platform/node-builtins.js';
import { StoreError } from '../protocol/errors.js';

/** Default nonce window (seconds either side of now), as the relying party's default skew. */
export const STORE_NONCE_SKEW = 5 * 60 * 60;

/** Options every store takes. */
export interface StoreBaseOptions {
  /** Clock in Unix seconds (tests). */
  now?: () => number;
  /**
   * How long a used nonce is kept: this many seconds after its timestamp
   * (plus a one-hour margin, `NONCE_CLEANUP_MARGIN`), measured on the database's clock
   * where there is one. Must be at least the relying party's
   * `nonceSkewSeconds`, whose window alone decides which nonces are
   * accepted (outside it: `nonce_skew`); the store never refuses a nonce for
   * its age. Default 5 hours, the relying party's default.
   */
  nonceSkewSeconds?: number;
  /**
   * Deadline of every store operation, in milliseconds: past it the
   * operation fails with `StoreError` code `store_unavailable`, so a frozen
   * or unreachable server fails a login instead of hanging it. Default 5000.
   */
  timeoutMs?: number;
  /**
   * Prune expired nonces and associations on a schedule the store owns (at
   * most once per `cleanupIntervalSeconds`, started from normal calls, never
   * keeping the process alive). Default true; false for sites that run
   * `cleanupNonces()`/`cleanupAssociations()` themselves.
   */
  autoCleanup?: boolean;
  /** Least time between two automatic cleanups. Default 600 seconds. */
  cleanupIntervalSeconds?: number;
}

/** Default of {@link StoreBaseOptions.timeoutMs}. */
export const STORE_TIMEOUT_MS = 5000;

/**
 * Extra time a used nonce is kept past its window before cleanup may remove
 * it: a relying party process whose clock is up to this far behind the
 * database's still finds the nonce and refuses the replay.
 */
export const NONCE_CLEANUP_MARGIN = 3600;

export function timeoutOf(options: StoreBaseOptions): number {
  const t = options.timeoutMs ?? STORE_TIMEOUT_MS;
  if (!(t > 0) || !Number.isFinite(t)) throw new TypeError('timeoutMs must be a positive number');
  return t;
}

/**
 * Fail `work` with `store_unavailable` once `ms` have passed. The operation
 * itself may still finish later (drivers have their own timeouts too); the
 * caller, and so the login, never waits longer than the deadline.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string, where: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new StoreError('store_unavailable', redact(`${what}: no answer from ${where} within ${ms} ms`)),
        ),
      ms,
    );
    // Node's timers can be unref'd (the deadline never keeps a process alive);
    // Deno, Bun and Workers return a number or an object without it.
    (timer as { unref?: () => void }).unref?.();
  });
  work.catch(() => {}); // a late failure after the deadline is not an unhandled rejection
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Back-off of {@link retryWhileBusy}: from the first wait to the cap, doubling. */
const BUSY_RETRY_FIRST_MS = 2;
const BUSY_RETRY_CAP_MS = 50;

/**
 * Run `run` again, with jittered back-off, while it fails with an error
 * `isBusy` calls transient (another connection holds a local database's
 * lock), until `timeoutMs` have passed; then its last error is thrown. The
 * waits are timers, never a blocking wait: many calls waiting at once cost
 * the event loop only their retries.
 */
export async function retryWhileBusy<T>(
  run: () => T | Promise<T>,
  isBusy: (e: unknown) => boolean,
  timeoutMs: number,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (let wait = BUSY_RETRY_FIRST_MS; ; wait = Math.min(wait * 2, BUSY_RETRY_CAP_MS)) {
    try {
      return await run();
    } catch (e) {
      if (!isBusy(e) || Date.now() + wait > until) throw e;
      // Jitter, so calls that started together do not all retry in one tick.
      await new Promise((resolve) => setTimeout(resolve, wait * (0.5 + Math.random())));
    }
  }
}

/**
 * The store's own cleanup schedule: `maybeRun()` is called from normal
 * operations and starts a cleanup in the background when the interval has
 * passed; it never delays the caller, and a failed cleanup is tried again
 * next interval. No timer is left behind, so nothing keeps the process alive.
 */
export class CleanupSchedule {
  #next = 0;
  #running = false;

  constructor(
    private readonly options: { enabled: boolean; intervalMs: number },
    private readonly work: () => Promise<unknown>,
  ) {}

  maybeRun(): void {
    if (!this.options.enabled || this.#running) return;
    const now = Date.now();
    if (now < this.#next) return;
    this.#next = now + this.options.intervalMs;
    this.#running = true;
    setImmediate(() => {
      this.work()
        .catch(() => {})
        .finally(() => {
          this.#running = false;
        });
    });
  }
}

export function cleanupScheduleOptions(options: StoreBaseOptions): { enabled: boolean; intervalMs: number } {
  return {
    enabled: options.autoCleanup ?? true,
    intervalMs: (options.cleanupIntervalSeconds ?? 600) * 1000,
  };
}

let requireDriverFn: NodeJS.Require | undefined;

/** `require` for the drivers, made on first use: only a store with a TCP driver needs `node:module`. */
function requireDriver(pkg: string): unknown {
  requireDriverFn ??= requireNodeBuiltin<typeof NodeModule>('node:module').createRequire(import.meta.url);
  return requireDriverFn(pkg);
}

/**
 * Load a store's driver package when the store is made, so a missing one is
 * a `StoreError` (`driver_missing`) naming the package to install, from the
 * subpath module and from `openStore()` alike, instead of a module
 * resolution error at import.
 */
export function loadDriver<T>(pkg: string, store: string): T {
  try {
    return requireDriver(pkg) as T;
  } catch (e) {
    if (e instanceof StoreError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') {
      // `mysql2/promise` is installed as `mysql2`.
      const name = pkg
        .split('/')
        .slice(0, pkg.startsWith('@') ? 2 : 1)
        .join('/');
      throw new StoreError(
        'driver_missing',
        `${store} needs the package "${name}", which is not installed: npm install ${name}`,
        { cause: e },
      );
    }
    throw wrapError(e, `loading ${pkg}`);
  }
}

export function clock(options: StoreBaseOptions): () => number {
  return options.now ?? (() => Math.floor(Date.now() / 1000));
}

/** Refuse inputs no caller should send; the message names the problem, not the value. */
export function checkServerUrl(serverUrl: string): void {
  if (typeof serverUrl !== 'string' || serverUrl.length === 0) {
    throw new StoreError('store_invalid_input', 'server URL must be a non-empty string');
  }
  if (serverUrl.length > 4096)
    throw new StoreError('store_invalid_input', 'server URL is longer than 4096 characters');
  if (hasLoneSurrogate(serverUrl))
    throw new StoreError('store_invalid_input', 'server URL holds a lone surrogate (not Unicode text)');
}

/**
 * Whether `text` holds half of a surrogate pair on its own. Such a string has no UTF-8 form:
 * encoders turn the half into U+FFFD, so two different strings would become one store key.
 */
export function hasLoneSurrogate(text: string): boolean {
  // Most text has no surrogate at all, and a plain scan says so far faster than a `u` regex
  // (every nonce and server URL of every login passes here, issue 25 profile).
  if (!ANY_SURROGATE.test(text)) return false;
  // With the `u` flag, a well-formed pair is one code point and never matches \p{Cs}.
  return /\p{Cs}/u.test(text);
}

/** Any surrogate code unit, paired or not (no `u` flag: code units, not code points). */
const ANY_SURROGATE = /[\uD800-\uDFFF]/;

export function checkNonceInput(timestamp: number, salt: string): void {
  if (!Number.isSafeInteger(timestamp))
    throw new StoreError('store_invalid_input', 'nonce timestamp must be whole seconds');
  if (typeof salt !== 'string') throw new StoreError('store_invalid_input', 'nonce salt must be a string');
  if (hasLoneSurrogate(salt))
    throw new StoreError('store_invalid_input', 'nonce salt holds a lone surrogate (not Unicode text)');
}

/** Whether a nonce timestamp is inside the window at `now`. */
export function inNonceWindow(timestamp: number, now: number, skew: number): boolean {
  return Math.abs(now - timestamp) <= skew;
}

/** Fixed-length key material for URLs, handles and salts of any length or content. */
export function hashKey(...parts: (string | number)[]): string {
  let input = '';
  for (const p of parts) {
    const text = String(p);
    // Lossless for every string: one that is not well-formed Unicode is hashed as its UTF-16 code
    // units, marked with `~` where a well-formed one has `:`, so it can never meet the UTF-8 form
    // of another string (which would turn its lone surrogate into U+FFFD). Well-formed strings keep
    // the key they always had, so stored data stays reachable.
    if (hasLoneSurrogate(text)) input += `${text.length}~${utf16leHex(text)}\0`;
    else input += `${text.length}:${text}\0`;
  }
  return toHex(digest('sha256', input));
}

/** Hex of the UTF-16LE code units of `text` (as `Buffer.from(text, 'utf16le').toString('hex')`). */
function utf16leHex(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    out += (unit & 0xff).toString(16).padStart(2, '0') + (unit >> 8).toString(16).padStart(2, '0');
  }
  return out;
}

/** Remove passwords from anything that may contain a connection string. */
export function redact(text: string): string {
  return text.replace(/(\w+:\/\/[^:/@\s]*:)[^@\s]*@/g, '$1***@').replace(/(password=)[^&\s;]*/gi, '$1***');
}

/**
 * A copy of a driver error that is safe to keep as `cause`: its name, its
 * redacted message and stack, and its plain (string, number, boolean)
 * properties, strings redacted. Object-valued properties are dropped: a
 * driver may hang the failed command there, and for ioredis an `AUTH`
 * command carries the password in its arguments.
 */
function safeCause(e: unknown): Error {
  if (!(e instanceof Error)) return new Error(redact(String(e)));
  const copy = new Error(redact(e.message));
  copy.name = e.name;
  copy.stack = redact(e.stack ?? '');
  for (const [k, v] of Object.entries(e)) {
    if (typeof v === 'string') (copy as unknown as Record<string, unknown>)[k] = redact(v);
    else if (typeof v === 'number' || typeof v === 'boolean')
      (copy as unknown as Record<string, unknown>)[k] = v;
  }
  return copy;
}

/** Wrap a driver error as a StoreError whose message and cause carry no password. */
export function wrapError(e: unknown, what: string): StoreError {
  if (e instanceof StoreError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new StoreError('store_unavailable', redact(`${what}: ${msg}`), { cause: safeCause(e) });
}
