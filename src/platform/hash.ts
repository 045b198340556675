/**
 * Synchronous SHA and HMAC: `node:crypto` (OpenSSL) where the runtime has
 * it, the plain TypeScript of sha.ts where it doesn't. Protocol code calls
 * these instead of importing `node:crypto`, so it loads on Workers without
 * `nodejs_compat` and on Vercel Edge.
 *
 * Internal module.
 */
import { bytesEqual } from './bytes.js';
import { nodeCrypto } from './node-builtins.js';
import { type ShaAlgorithm, shaDigest, shaHmac } from './sha.js';

export type { ShaAlgorithm } from './sha.js';

function asBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? new TextEncoder().encode(data) : data;
}

function copy(view: Uint8Array): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

/**
 * SHA-1 or SHA-256 of `data` (a string is hashed as UTF-8).
 *
 * @example digest('sha256', 'abc')
 */
export function digest(algorithm: ShaAlgorithm, data: Uint8Array | string): Uint8Array {
  const node = nodeCrypto();
  if (node !== null) return copy(node.createHash(algorithm).update(asBytes(data)).digest());
  return shaDigest(algorithm, asBytes(data));
}

/**
 * HMAC-SHA1 or HMAC-SHA256 of `data` under `key` (a string is UTF-8).
 *
 * @example hmac('sha256', secret, 'payload')
 */
export function hmac(algorithm: ShaAlgorithm, key: Uint8Array, data: Uint8Array | string): Uint8Array {
  const node = nodeCrypto();
  if (node !== null) return copy(node.createHmac(algorithm, key).update(asBytes(data)).digest());
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
  const node = nodeCrypto();
  return node !== null ? node.timingSafeEqual(a, b) : bytesEqual(a, b);
}
