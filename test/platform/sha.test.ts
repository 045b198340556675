/** The plain TypeScript SHA / HMAC (src/platform/sha.ts) against published vectors and OpenSSL. */
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  base64Ascii,
  bytesEqual,
  fromBase64,
  fromBase64Portable,
  fromHex,
  textFromBase64,
  toBase64,
  toBase64Url,
  toHex,
  utf8Length,
} from '../../src/platform/bytes.js';
import { shaDigest, shaHmac } from '../../src/platform/sha.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('SHA digests: FIPS 180 examples', () => {
  const cases: [string, 'sha1' | 'sha256', string][] = [
    ['', 'sha1', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
    ['abc', 'sha1', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      'sha1',
      '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
    ],
    ['', 'sha256', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'sha256', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    [
      'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
      'sha256',
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    ],
  ];
  for (const [input, alg, hex] of cases) {
    test(`${alg}(${JSON.stringify(input.slice(0, 12))}…)`, () => {
      assert.equal(toHex(shaDigest(alg, text(input))), hex);
    });
  }
  test('sha1 of one million "a"', () => {
    assert.equal(
      toHex(shaDigest('sha1', text('a'.repeat(1_000_000)))),
      '34aa973cd4c4daa4f61eeb2bdbad27316534016f',
    );
  });
});

describe('HMAC: RFC 2202 (SHA-1) and RFC 4231 (SHA-256)', () => {
  const cases: [string, Uint8Array, Uint8Array, 'sha1' | 'sha256', string][] = [
    [
      '2202 #1',
      new Uint8Array(20).fill(0x0b),
      text('Hi There'),
      'sha1',
      'b617318655057264e28bc0b6fb378c8ef146be00',
    ],
    [
      '2202 #2',
      text('Jefe'),
      text('what do ya want for nothing?'),
      'sha1',
      'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
    ],
    [
      '2202 #6 (80-byte key)',
      new Uint8Array(80).fill(0xaa),
      text('Test Using Larger Than Block-Size Key - Hash Key First'),
      'sha1',
      'aa4ae5e15272d00e95705637ce8a3b55ed402112',
    ],
    [
      '4231 #1',
      new Uint8Array(20).fill(0x0b),
      text('Hi There'),
      'sha256',
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    ],
    [
      '4231 #2',
      text('Jefe'),
      text('what do ya want for nothing?'),
      'sha256',
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    ],
    [
      '4231 #6 (131-byte key)',
      new Uint8Array(131).fill(0xaa),
      text('Test Using Larger Than Block-Size Key - Hash Key First'),
      'sha256',
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    ],
  ];
  for (const [name, key, data, alg, hex] of cases) {
    test(name, () => assert.equal(toHex(shaHmac(alg, key, data)), hex));
  }
});

describe('agrees with node:crypto on random inputs', () => {
  test('digests and HMACs of 600 random messages (0–300 bytes, keys 0–150 bytes)', () => {
    for (let i = 0; i < 600; i++) {
      const data = randomBytes(i % 3 === 0 ? i % 130 : randomInt(0, 301));
      const key = randomBytes(randomInt(0, 151));
      for (const alg of ['sha1', 'sha256'] as const) {
        assert.equal(
          toHex(shaDigest(alg, data)),
          createHash(alg).update(data).digest('hex'),
          `${alg} len ${data.length}`,
        );
        assert.equal(
          toHex(shaHmac(alg, key, data)),
          createHmac(alg, key).update(data).digest('hex'),
          `hmac-${alg} key ${key.length} len ${data.length}`,
        );
      }
    }
  });
});

describe('byte helpers agree with Buffer', () => {
  test('base64, base64url and hex round trips on 300 random inputs', () => {
    for (let i = 0; i < 300; i++) {
      const bytes = randomBytes(randomInt(0, 70));
      assert.equal(toBase64(bytes), bytes.toString('base64'));
      assert.equal(toBase64Url(bytes), bytes.toString('base64url'));
      assert.equal(toHex(bytes), bytes.toString('hex'));
      assert.deepEqual(fromBase64(bytes.toString('base64')), new Uint8Array(bytes));
      assert.deepEqual(fromBase64(bytes.toString('base64url')), new Uint8Array(bytes));
      assert.deepEqual(fromBase64Portable(bytes.toString('base64')), new Uint8Array(bytes));
      assert.deepEqual(fromBase64Portable(bytes.toString('base64url')), new Uint8Array(bytes));
      assert.deepEqual(fromHex(bytes.toString('hex')), new Uint8Array(bytes));
    }
  });
  test('lenient base64 skips what Buffer skips', () => {
    for (const s of ['QUJD!!!RA==', 'QU JD\nRA==', 'QUJDRA', 'QUJD=RA==']) {
      assert.deepEqual(fromBase64(s), new Uint8Array(Buffer.from(s, 'base64')), s);
      assert.deepEqual(fromBase64Portable(s), new Uint8Array(Buffer.from(s, 'base64')), s);
    }
  });
  test('base64Ascii gives the bytes of Buffer’s base64 and base64url text', () => {
    for (let n = 0; n <= 34; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 89 + n * 7) & 0xff));
      assert.deepEqual(
        base64Ascii(new Uint8Array(bytes)),
        new Uint8Array(Buffer.from(bytes.toString('base64'))),
      );
      assert.deepEqual(
        base64Ascii(new Uint8Array(bytes), true),
        new Uint8Array(Buffer.from(bytes.toString('base64url'))),
      );
    }
  });
  test('textFromBase64 reads what TextDecoder reads (bad bytes, BOM, both alphabets)', () => {
    const samples = [
      [0xef, 0xbb, 0xbf, 0x7b, 0x7d],
      [0xc3, 0xa9],
      [0xff, 0x41],
      [0xed, 0xa0, 0x80],
      [0xf0, 0x9f],
      [],
    ];
    for (const sample of samples) {
      const bytes = Buffer.from(sample);
      const want = new TextDecoder().decode(new Uint8Array(bytes));
      assert.equal(textFromBase64(bytes.toString('base64')), want, String(sample));
      assert.equal(textFromBase64(bytes.toString('base64url')), want, String(sample));
    }
    assert.equal(textFromBase64(Buffer.from('\ufeff{}').toString('base64')), '{}');
  });
  test('utf8Length matches Buffer.byteLength', () => {
    for (const s of ['', 'abc', 'é', '日本語', '\u{1f600}x', '\ud800'])
      assert.equal(utf8Length(s), Buffer.byteLength(s), s);
  });
  test('bytesEqual', () => {
    assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2)), true);
    assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), false);
    assert.equal(bytesEqual(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0)), false);
  });
});
