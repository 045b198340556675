/**
 * Diffie-Hellman arithmetic in plain BigInt, for runtimes without
 * `node:crypto` (Workers without `nodejs_compat`, Vercel Edge): modular
 * exponentiation and a Miller-Rabin primality test for custom moduli.
 * WebCrypto has no finite-field DH, so this is the Web-standard path.
 *
 * Not constant-time: BigInt operations take time that depends on their
 * values. For OpenID's association sessions the exponent is a fresh random
 * number used once per association (never a long-term key), which is what
 * python-openid, ruby-openid and the Node `openid` package have always done
 * in interpreted big-integer code. Where `node:crypto` exists it is used.
 *
 * Internal module: the public face is `dh.ts`.
 */

/** Bits consumed per step of the windowed exponentiation. */
const WINDOW = 4;
const WINDOW_MASK = (1n << BigInt(WINDOW)) - 1n;

/**
 * base^exponent mod modulus, for exponent ≥ 0 and modulus > 1 (fixed 4-bit
 * window: 2^4 precomputed powers, then 4 squarings and at most one multiply
 * per window).
 *
 * @example
 * modPow(2n, 10n, 1000n) // 24n
 */
export function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  if (modulus <= 1n) throw new RangeError('modulus must be greater than 1');
  if (exponent < 0n) throw new RangeError('exponent must not be negative');
  const b = ((base % modulus) + modulus) % modulus;
  const table: bigint[] = [1n, b];
  for (let i = 2; i < 1 << WINDOW; i += 1) table.push(((table[i - 1] as bigint) * b) % modulus);
  const windows: number[] = [];
  for (let e = exponent; e > 0n; e >>= BigInt(WINDOW)) windows.push(Number(e & WINDOW_MASK));
  let result = 1n;
  for (let i = windows.length - 1; i >= 0; i -= 1) {
    for (let s = 0; s < WINDOW; s += 1) result = (result * result) % modulus;
    const w = windows[i] as number;
    if (w !== 0) result = (result * (table[w] as bigint)) % modulus;
  }
  return result % modulus;
}

const SMALL_PRIMES = [3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n, 53n, 59n, 61n];

/**
 * Miller-Rabin probable-prime test with `rounds` bases from `randomBelow`
 * (error below 4^-rounds for a composite). Used once per custom group, as
 * OpenSSL's DH_check is on the Node path.
 */
export function isProbablePrime(n: bigint, rounds: number, randomBelow: (limit: bigint) => bigint): boolean {
  if (n < 2n) return false;
  if (n === 2n) return true;
  if (n % 2n === 0n) return false;
  for (const p of SMALL_PRIMES) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  let d = n - 1n;
  let r = 0;
  while (d % 2n === 0n) {
    d /= 2n;
    r += 1;
  }
  witness: for (let i = 0; i < rounds; i += 1) {
    const a = 2n + randomBelow(n - 3n); // in [2, n-2]
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    for (let j = 1; j < r; j += 1) {
      x = (x * x) % n;
      if (x === n - 1n) continue witness;
    }
    return false;
  }
  return true;
}
