/**
 * Synchronous SHA and HMAC: `node:crypto` (OpenSSL) where the runtime has
 * it, the plain TypeScript of sha.ts where it doesn't. Protocol code calls
 * these instead of importing `node:crypto`, so it loads on Workers without
 * `nodejs_compat` and on Vercel Edge.
 *
 * Internal module.
 */
import { bytesEqual, utf8 } from './bytes.js';
import { nodeCrypto } from './node-builtins.js';
import { type ShaAlgorithm, shaDigest, shaHmac } from './sha.js';

export type { ShaAlgorithm } from './sha.js';

function asBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? utf8(data) : data;
}

/** `node:crypto`, looked up once: complete() hashes three times per login. */
let crypto: ReturnType<typeof nodeCrypto> | undefined;
function node(): ReturnType<typeof nodeCrypto> {
  if (crypto === undefined) crypto = nodeCrypto();
  return crypto;
}

/**
 * A digest Node returned as a plain `Uint8Array`. A digest Buffer owns its
 * memory, so a view of it is enough; a Buffer that shares its memory (a
 * pooled one) is copied so that `.buffer` exposes nothing else.
 */
function plain(view: Uint8Array): Uint8Array {
  return view.byteOffset === 0 && view.buffer.byteLength === view.byteLength
    ? new Uint8Array(view.buffer, 0, view.byteLength)
    : new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

/**
 * SHA-1 or SHA-256 of `data` (a string is hashed as UTF-8).
 *
 * @example digest('sha256', 'abc')
 */
export function digest(algorithm: ShaAlgorithm, data: Uint8Array | string): Uint8Array {
  const c = node();
  // Node encodes a string as UTF-8 itself (lone surrogates become U+FFFD, as TextEncoder does).
  if (c !== null) return plain(c.createHash(algorithm).update(data).digest());
  return shaDigest(algorithm, asBytes(data));
}

/**
 * HMAC-SHA1 or HMAC-SHA256 of `data` under `key` (a string is UTF-8).
 *
 * @example hmac('sha256', secret, 'payload')
 */
export function hmac(algorithm: ShaAlgorithm, key: Uint8Array, data: Uint8Array | string): Uint8Array {
  const c = node();
  if (c !== null) return plain(c.createHmac(algorithm, key).update(data).digest());
  return shaHmac(algorithm, key, asBytes(data));
}

/**
 * Whether `a` and `b` hold the same bytes, compared in constant time:
 * `crypto.timingSafeEqual` where `node:crypto` exists (the security suite
 * checks every MAC comparison goes through it), the loop of bytes.ts
 * elsewhere. Lengths are compared first, so unequal lengths are `false`,
 * never a RangeError.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  const c = node();
  return c !== null ? c.timingSafeEqual(a, b) : bytesEqual(a, b);
}
