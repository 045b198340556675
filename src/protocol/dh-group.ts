/**
 * Diffie-Hellman groups for association sessions (spec §8.1.2, §8.4.2), on
 * top of OpenSSL through `node:crypto`.
 *
 * Why a cache: `crypto.createDiffieHellman(prime)` runs OpenSSL's DH_check,
 * a primality test of p (and of (p-1)/2) that costs about 50 ms for a
 * 1024-bit prime and 300 ms for a 2048-bit one (security case DH-13). One
 * `DiffieHellman` object per group is made once and reused: each operation
 * sets the private key and computes synchronously, so nothing can interleave
 * between the two steps.
 *
 * Why short exponents: for a safe prime p = 2q + 1 (the OpenID default is
 * one, and the check above tells for a custom one), a 256-bit random private
 * exponent keeps the work of recovering it (Pollard's lambda, ~2^128) well
 * above the 80-bit strength of a 1024-bit group (NIST SP 800-56A allows
 * exponents of twice the security strength) and makes one exchange several
 * times cheaper than a full-size exponent. For a prime that is not safe, the
 * exponent is full size, since short ones leak through small factors of p-1
 * (van Oorschot-Wiener).
 *
 * Where the runtime has no `node:crypto` (see platform/node-builtins.ts), the
 * same group runs on BigInt arithmetic instead (dh-bigint.ts): chosen per
 * group, automatically, or forced with the `engine` argument (tests, bench).
 *
 * Internal module: the public face is `dh.ts`.
 */
import type { DiffieHellman } from 'node:crypto';
import { nodeCrypto } from '../platform/node-builtins.js';
import { isProbablePrime, modPow } from './dh-bigint.js';
import { ProtocolError } from './errors.js';
import { randomBytesPooled } from './random.js';

/**
 * The default modulus p of OpenID 2.0 (spec Appendix B; the same in 1.1), a
 * 1024-bit safe prime. It is not the RFC 2409 Oakley group 2 prime (Node's
 * `modp2`), so Node's built-in groups cannot stand in for it.
 */
export const DEFAULT_DH_MODULUS: bigint = BigInt(
  '0xdcf93a0b883972ec0e19989ac5a2ce310e1d37717e8d9571bb7623731866e61ef75a2e27898b057f9891c2e27a639c3f29' +
    'b60814581cd3b2ca3986d2683705577d45c2e7e52dc81c7a171876e5cea74b1448bfdfaf18828efd2519f14e45e3826634af' +
    '1949e5b535cc829a483b8a76223e5d490a257f05bdff16f2fb22c583ab',
);

/** The default generator g of OpenID (spec §8.1.2). */
export const DEFAULT_DH_GENERATOR = 2n;

/** Bits of a short private exponent (see the module comment). */
const SHORT_EXPONENT_BITS = 256;

/** How many custom groups stay cached (the default group always does). */
const CUSTOM_GROUP_CACHE_SIZE = 16;

/** Big-endian unsigned bytes of a non-negative bigint. */
export function toUnsignedBytes(n: bigint): Uint8Array {
  const hex = n.toString(16);
  const even = hex.length % 2 === 1 ? `0${hex}` : hex;
  const out = new Uint8Array(even.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = Number.parseInt(even.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Non-negative bigint of big-endian unsigned bytes. */
export function fromUnsignedBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let hex = '0x';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return BigInt(hex);
}

/** Number of bits of a positive bigint. */
export function bitLength(n: bigint): number {
  return n.toString(2).length;
}

/** Which arithmetic a group uses: OpenSSL through `node:crypto`, or BigInt. */
export type DhEngine = 'node' | 'bigint';

/** The engine a new group uses: `node` where `node:crypto` exists, else `bigint`. */
export function defaultDhEngine(): DhEngine {
  return nodeCrypto() === null ? 'bigint' : 'node';
}

/** Miller-Rabin rounds for a custom modulus on the BigInt engine (error < 2^-80). */
const PRIME_TEST_ROUNDS = 40;

function randomBelow(limit: bigint): bigint {
  const bits = bitLength(limit);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const x = fromUnsignedBytes(randomBytesPooled(Math.ceil(bits / 8))) & mask;
    if (x < limit) return x;
  }
}

/** A DH group with its arithmetic; obtain through `getDhGroup`. */
export class DhGroup {
  /** The prime modulus p. */
  readonly modulus: bigint;
  /** The generator g. */
  readonly generator: bigint;
  /** Whether (p-1)/2 is prime too, which allows short private exponents. */
  readonly safePrime: boolean;
  /** The arithmetic in use. */
  readonly engine: DhEngine;
  readonly #dh: DiffieHellman | null;

  constructor(modulus: bigint, generator: bigint, engine: DhEngine = defaultDhEngine()) {
    const crypto = engine === 'node' ? nodeCrypto() : null;
    if (engine === 'node' && crypto === null) throw new Error('node:crypto is not available in this runtime');
    this.modulus = modulus;
    this.generator = generator;
    this.engine = engine;
    if (crypto !== null) {
      const dh = crypto.createDiffieHellman(toUnsignedBytes(modulus), toUnsignedBytes(generator));
      // Only compositeness is fatal; OpenSSL's generator-suitability flags do not apply to OpenID's g = 2 groups.
      if ((dh.verifyError & crypto.constants.DH_CHECK_P_NOT_PRIME) !== 0) {
        throw new ProtocolError('dh_invalid', 'the DH modulus is not prime');
      }
      this.safePrime = (dh.verifyError & crypto.constants.DH_CHECK_P_NOT_SAFE_PRIME) === 0;
      this.#dh = dh;
      return;
    }
    this.#dh = null;
    if (modulus === DEFAULT_DH_MODULUS) {
      this.safePrime = true; // the spec's prime, known safe: no test needed
      return;
    }
    if (!isProbablePrime(modulus, PRIME_TEST_ROUNDS, randomBelow)) {
      throw new ProtocolError('dh_invalid', 'the DH modulus is not prime');
    }
    this.safePrime = isProbablePrime((modulus - 1n) / 2n, PRIME_TEST_ROUNDS, randomBelow);
  }

  /** Whether `y` is an acceptable public value: 2 <= y <= p-2 (RFC 2631 §2.1.5; 0, 1 and p-1 give known secrets). */
  isValidPublic(y: bigint): boolean {
    return y >= 2n && y <= this.modulus - 2n;
  }

  /** A fresh private exponent from the CSPRNG, in [2, p-2]. */
  randomPrivateKey(): bigint {
    const bits = this.safePrime ? SHORT_EXPONENT_BITS : bitLength(this.modulus);
    const bytes = Math.ceil(bits / 8);
    const mask = (1n << BigInt(bits)) - 1n;
    for (;;) {
      const x = fromUnsignedBytes(randomBytesPooled(bytes)) & mask;
      if (x >= 2n && x <= this.modulus - 2n) return x;
    }
  }

  /** g^x mod p. */
  publicKey(privateKey: bigint): bigint {
    if (this.#dh === null) return modPow(this.generator, privateKey, this.modulus);
    this.#dh.setPrivateKey(toUnsignedBytes(privateKey));
    return fromUnsignedBytes(this.#dh.generateKeys());
  }

  /** peer^x mod p. The caller has checked `peerPublic` with {@link isValidPublic}. */
  sharedSecret(privateKey: bigint, peerPublic: bigint): bigint {
    if (this.#dh === null) {
      if (!this.isValidPublic(peerPublic))
        throw new ProtocolError('dh_invalid', 'the DH public value was refused');
      return modPow(peerPublic, privateKey, this.modulus);
    }
    this.#dh.setPrivateKey(toUnsignedBytes(privateKey));
    try {
      return fromUnsignedBytes(this.#dh.computeSecret(toUnsignedBytes(peerPublic)));
    } catch (cause) {
      throw new ProtocolError('dh_invalid', 'the DH public value was refused', {}, { cause });
    }
  }
}

let defaultGroup: DhGroup | undefined;
const customGroups = new Map<string, DhGroup>();

/**
 * The group for (modulus, generator), made once and cached: the default group
 * for ever, custom groups in a small least-recently-used cache. The caller
 * has already checked sizes and ranges; this refuses a composite modulus.
 */
export function getDhGroup(modulus: bigint, generator: bigint): DhGroup {
  if (modulus === DEFAULT_DH_MODULUS && generator === DEFAULT_DH_GENERATOR) {
    defaultGroup ??= new DhGroup(DEFAULT_DH_MODULUS, DEFAULT_DH_GENERATOR);
    return defaultGroup;
  }
  const key = `${modulus.toString(16)}/${generator.toString(16)}`;
  const cached = customGroups.get(key);
  if (cached !== undefined) {
    customGroups.delete(key);
    customGroups.set(key, cached);
    return cached;
  }
  const group = new DhGroup(modulus, generator);
  if (customGroups.size >= CUSTOM_GROUP_CACHE_SIZE) {
    const oldest = customGroups.keys().next().value;
    if (oldest !== undefined) customGroups.delete(oldest);
  }
  customGroups.set(key, group);
  return group;
}
