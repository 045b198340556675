import assert from 'node:assert/strict';
import { createDiffieHellman, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { isProbablePrime, modPow } from '../../src/protocol/dh-bigint.js';
import { DEFAULT_DH_MODULUS, DhGroup, defaultDhEngine } from '../../src/protocol/dh-group.js';
import { ProtocolError } from '../../src/protocol/errors.js';

const P = DEFAULT_DH_MODULUS;
const vector = (name: string) =>
  readFileSync(new URL(`../vectors/python-openid-dh/${name}`, import.meta.url), 'utf8');
const hex = (n: bigint) => {
  const h = n.toString(16);
  return h.length % 2 ? `0${h}` : h;
};
/** g^x mod p computed by OpenSSL, the reference the BigInt path must agree with. */
let reference: ReturnType<typeof createDiffieHellman> | undefined;
/** One OpenSSL object (its constructor tests p for primality, ~50 ms). */
const openssl = () => {
  reference ??= createDiffieHellman(Buffer.from(hex(P), 'hex'), Buffer.from([2]));
  return reference;
};
function opensslPublic(x: bigint): bigint {
  const dh = openssl();
  dh.setPrivateKey(Buffer.from(hex(x), 'hex'));
  return BigInt(`0x${dh.generateKeys('hex')}`);
}
function opensslShared(x: bigint, peer: bigint): bigint {
  const dh = openssl();
  dh.setPrivateKey(Buffer.from(hex(x), 'hex'));
  return BigInt(`0x${dh.computeSecret(Buffer.from(hex(peer), 'hex')).toString('hex')}`);
}
const randomBelow = (limit: bigint) => BigInt(`0x${randomBytes(64).toString('hex')}`) % limit;

describe('modPow (BigInt modular exponentiation)', () => {
  const cases: Array<[bigint, bigint, bigint, bigint]> = [
    [2n, 10n, 1000n, 24n],
    [3n, 0n, 7n, 1n],
    [5n, 3n, 13n, 8n],
    [7n, 1n, 5n, 2n],
    [0n, 5n, 11n, 0n],
    [-2n, 3n, 11n, 3n], // (-8) mod 11
    [4n, 13n, 497n, 445n], // the textbook example
  ];
  for (const [b, e, m, want] of cases) {
    test(`${b}^${e} mod ${m} = ${want}`, () => assert.equal(modPow(b, e, m), want));
  }
  test('refuses a modulus of 1 or less and a negative exponent', () => {
    assert.throws(() => modPow(2n, 3n, 1n), RangeError);
    assert.throws(() => modPow(2n, -1n, 7n), RangeError);
  });
});

describe('python-openid dhpriv vectors on the BigInt path', () => {
  const lines = vector('dhpriv')
    .split('\n')
    .filter((l) => l !== '');
  test('the vector file has its 29 lines', () => assert.equal(lines.length, 29));
  lines.forEach((line, i) => {
    const [priv = '', pub = ''] = line.split(' ');
    test(`line ${i + 1}: 2^private mod p is the vector's public value, and OpenSSL's`, () => {
      const x = BigInt(priv);
      const y = new DhGroup(P, 2n, 'bigint').publicKey(x);
      assert.equal(y, BigInt(pub));
      assert.equal(y, opensslPublic(x));
    });
  });
});

describe('python-openid DH session known answers: BigInt and node:crypto agree', () => {
  const text = vector('dh-session-kat.txt');
  const num = (name: string) => BigInt(new RegExp(`^${name} = (\\d+)$`, 'm').exec(text)?.[1] ?? 'x');
  const consumerPrivate = num('consumer_private');
  const serverPrivate = num('server_private');
  const serverPublicB64 = /openid\.dh_server_public=(\S+)/.exec(text)?.[1] ?? '';
  const sharedHex = /shared_secret_btwoc_hex=00([0-9a-f]+)/.exec(text)?.[1] ?? '';
  const serverPublic = BigInt(`0x${Buffer.from(serverPublicB64, 'base64').toString('hex')}`);

  test('the server public value is 2^server_private mod p on both engines', () => {
    assert.equal(new DhGroup(P, 2n, 'bigint').publicKey(serverPrivate), serverPublic);
    assert.equal(new DhGroup(P, 2n, 'node').publicKey(serverPrivate), serverPublic);
  });
  test('the shared secret is the vector on both engines', () => {
    const want = BigInt(`0x${sharedHex}`);
    assert.equal(new DhGroup(P, 2n, 'bigint').sharedSecret(consumerPrivate, serverPublic), want);
    assert.equal(new DhGroup(P, 2n, 'node').sharedSecret(consumerPrivate, serverPublic), want);
  });
  test('random exchanges: BigInt shared secrets equal OpenSSL ones (50 pairs)', () => {
    const group = new DhGroup(P, 2n, 'bigint');
    for (let i = 0; i < 50; i += 1) {
      const a = group.randomPrivateKey();
      const b = group.randomPrivateKey();
      const ya = group.publicKey(a);
      assert.equal(ya, opensslPublic(a));
      assert.equal(group.sharedSecret(b, ya), opensslShared(b, ya));
      assert.equal(group.sharedSecret(b, ya), group.sharedSecret(a, group.publicKey(b)));
    }
  });
});

describe('BigInt groups', () => {
  test('the default engine is node:crypto on Node', () => assert.equal(defaultDhEngine(), 'node'));
  test('refuses a peer value outside [2, p-2] (0, 1, p-1 give known secrets)', () => {
    const group = new DhGroup(P, 2n, 'bigint');
    for (const y of [0n, 1n, P - 1n, P]) {
      assert.throws(
        () => group.sharedSecret(12345n, y),
        (e: unknown) => e instanceof ProtocolError && e.code === 'dh_invalid',
      );
    }
  });
  test('refuses a composite custom modulus (Miller-Rabin), like OpenSSL on the Node path', () => {
    // 2^128 + 1 = 59649589127497217 × 5704689200685129054721
    assert.throws(
      () => new DhGroup(2n ** 128n + 1n, 2n, 'bigint'),
      (e: unknown) => e instanceof ProtocolError && e.code === 'dh_invalid',
    );
  });
  test('a custom safe prime is accepted and marked safe; a prime that is not safe is not', () => {
    // 2^127 - 1 is prime, (2^127 - 2)/2 = 2^126 - 1 is divisible by 3.
    const mersenne = new DhGroup(2n ** 127n - 1n, 3n, 'bigint');
    assert.equal(mersenne.safePrime, false);
    // 23 = 2·11 + 1 is a safe prime.
    assert.equal(new DhGroup(23n, 5n, 'bigint').safePrime, true);
  });
});

describe('isProbablePrime', () => {
  const primes = [2n, 3n, 61n, 65537n, 2n ** 61n - 1n, 2n ** 127n - 1n, P, (P - 1n) / 2n];
  const composites = [1n, 4n, 561n, 1105n, 1729n, 3215031751n, 2n ** 128n + 1n, P + 2n * 3n * P];
  for (const n of primes)
    test(`${n.toString().slice(0, 20)} is prime`, () => {
      assert.equal(isProbablePrime(n, 20, randomBelow), true);
    });
  for (const n of composites)
    test(`${n.toString().slice(0, 20)} is composite`, () => {
      assert.equal(isProbablePrime(n, 20, randomBelow), false);
    });
});
