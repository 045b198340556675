/**
 * CSPRNG bytes for the hot paths (response nonces, association handles and
 * secrets, DH private keys).
 *
 * Why a pool: each `crypto.randomBytes()` call pays a fixed cost of several
 * microseconds (measured at ~8 µs for 12 bytes on the 2-core bench machine,
 * about the same as filling 4 KiB), which made the salt of a response nonce
 * the largest single cost of signing an assertion (issue 10 profile). The
 * pool is filled from the same CSPRNG in 4 KiB blocks and every byte is
 * handed out once; callers get a copy, so a secret never aliases the pool
 * that a later refill overwrites. Node's own `crypto.randomUUID()` caches
 * entropy the same way.
 *
 * The bytes come from `crypto.getRandomValues` (Web Crypto, a global in
 * Node, Bun, Deno and Workers alike; on Node it is the same CSPRNG as
 * `randomFillSync`), so this module needs no Node built-in.
 *
 * Internal module.
 */

/** Web Crypto caps one getRandomValues call at 65,536 bytes. */
const MAX_CALL = 65_536;

function fillRandom<T extends Uint8Array>(bytes: T): T {
  for (let at = 0; at < bytes.length; at += MAX_CALL) {
    globalThis.crypto.getRandomValues(bytes.subarray(at, Math.min(bytes.length, at + MAX_CALL)));
  }
  return bytes;
}

const POOL_BYTES = 4096;
// A Web Uint8Array, not a Buffer: loading this module needs no Node global.
const pool = new Uint8Array(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * The bytes as a Buffer where the runtime has one (every caller on Node, Bun,
 * Deno and Workers with nodejs_compat). Without Buffer (a Web-only runtime)
 * the plain Uint8Array is returned: the Diffie-Hellman path reads it as
 * bytes only.
 */
function asBuffer(bytes: Uint8Array): Buffer {
  const B = (globalThis as { Buffer?: typeof Buffer }).Buffer;
  return B === undefined ? (bytes as Buffer) : B.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** `length` fresh random bytes (a new Buffer the caller owns). */
export function randomBytesPooled(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError('length must be a whole number');
  if (length > POOL_BYTES / 4) return asBuffer(fillRandom(new Uint8Array(length)));
  if (offset + length > POOL_BYTES) {
    fillRandom(pool);
    offset = 0;
  }
  const out = pool.slice(offset, offset + length);
  // Wipe what was handed out, so the pool never holds a copy of a live secret.
  pool.fill(0, offset, offset + length);
  offset += length;
  return asBuffer(out);
}
