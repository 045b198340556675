/**
 * What every store shares: input checks, the nonce window, key hashing,
 * clock injection and error wrapping that never leaks credentials.
 */
import { createHash } from 'node:crypto';
import { StoreError } from '../protocol/errors.js';

/** Default nonce window (seconds either side of now), as the relying party's default skew. */
export const STORE_NONCE_SKEW = 5 * 60 * 60;

/** Options every store takes. */
export interface StoreBaseOptions {
  /** Clock in Unix seconds (tests). */
  now?: () => number;
  /** Nonces outside now ± this many seconds are refused and cleaned up. Default 5 hours. */
  nonceSkewSeconds?: number;
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
  // With the `u` flag, a well-formed pair is one code point and never matches \p{Cs}.
  return /\p{Cs}/u.test(text);
}

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
  const h = createHash('sha256');
  for (const p of parts) {
    const text = String(p);
    // Lossless for every string: one that is not well-formed Unicode is hashed as its UTF-16 code
    // units, marked with `~` where a well-formed one has `:`, so it can never meet the UTF-8 form
    // of another string (which would turn its lone surrogate into U+FFFD). Well-formed strings keep
    // the key they always had, so stored data stays reachable.
    if (hasLoneSurrogate(text)) h.update(`${text.length}~${Buffer.from(text, 'utf16le').toString('hex')}\0`);
    else h.update(`${text.length}:${text}\0`);
  }
  return h.digest('hex');
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
