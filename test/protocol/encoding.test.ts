import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  base64ToLong,
  btwoc,
  decodeBase64Strict,
  encodeBase64,
  longToBase64,
  unbtwoc,
} from '../../src/protocol/encoding.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { readVector } from '../helpers/vectors.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const isCode = (code: string) => (e: unknown) => e instanceof ProtocolError && e.code === code;

describe('n2b64 vectors: base64(btwoc(n)) in both directions', () => {
  const lines = readVector('openid/test/n2b64')
    .split('\n')
    .filter((l) => l !== '');
  test('the vector file has its 650 lines', () => {
    assert.equal(lines.length, 650);
  });
  lines.forEach((line, i) => {
    const [b64 = '', decimal = ''] = line.split(' ');
    test(`line ${i + 1}: ${b64.length > 24 ? `${b64.slice(0, 20)}...` : b64} <-> ${decimal.slice(0, 20)}`, () => {
      assert.equal(base64ToLong(b64), BigInt(decimal));
      assert.equal(longToBase64(BigInt(decimal)), b64);
    });
  });
});

describe('btwoc', () => {
  test('encodes zero as a single 0x00 byte', () => {
    assert.equal(hex(btwoc(0n)), '00');
  });

  test('adds a leading 0x00 exactly when the high bit of a non-negative value is set', () => {
    assert.equal(hex(btwoc(127n)), '7f');
    assert.equal(hex(btwoc(128n)), '0080');
    assert.equal(hex(btwoc(255n)), '00ff');
    assert.equal(hex(btwoc(256n)), '0100');
    assert.equal(hex(btwoc(0x7fffn)), '7fff');
    assert.equal(hex(btwoc(0x8000n)), '008000');
  });

  test('encodes negative values in minimal two-complement form', () => {
    assert.equal(hex(btwoc(-1n)), 'ff');
    assert.equal(hex(btwoc(-128n)), '80');
    assert.equal(hex(btwoc(-129n)), 'ff7f');
    assert.equal(hex(btwoc(-256n)), 'ff00');
    assert.equal(hex(btwoc(-32768n)), '8000');
    assert.equal(hex(btwoc(-32769n)), 'ff7fff');
  });

  test('round-trips every integer through unbtwoc with a minimal encoding', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(1n << 2100n), max: 1n << 2100n }), (n) => {
        const bytes = btwoc(n);
        assert.equal(unbtwoc(bytes), n);
        if (bytes.length > 1) {
          const [b0 = 0, b1 = 0] = bytes;
          // A leading byte is redundant when it only repeats the sign of the next one.
          assert.ok(!(b0 === 0x00 && b1 < 0x80), `redundant 0x00 in ${hex(bytes)}`);
          assert.ok(!(b0 === 0xff && b1 >= 0x80), `redundant 0xff in ${hex(bytes)}`);
        }
      }),
    );
  });

  test('unbtwoc reads a set high bit as negative', () => {
    assert.equal(unbtwoc(Uint8Array.of(0xff)), -1n);
    assert.equal(unbtwoc(Uint8Array.of(0x80, 0x00)), -32768n);
    assert.equal(unbtwoc(Uint8Array.of(0x00, 0x80)), 128n);
  });

  test('unbtwoc accepts redundant leading sign bytes, the value being unambiguous', () => {
    assert.equal(unbtwoc(Uint8Array.of(0x00, 0x00, 0x01)), 1n);
    assert.equal(unbtwoc(Uint8Array.of(0xff, 0xff)), -1n);
  });

  test('unbtwoc rejects an empty byte string', () => {
    assert.throws(() => unbtwoc(new Uint8Array(0)), isCode('btwoc_invalid'));
  });

  test('unbtwoc reads a subarray view at its own offset', () => {
    const backing = Uint8Array.of(0xaa, 0x01, 0x00, 0xbb);
    assert.equal(unbtwoc(backing.subarray(1, 3)), 256n);
  });
});

describe('strict base64', () => {
  test('decodes canonical base64, including the empty string', () => {
    assert.equal(hex(decodeBase64Strict('')), '');
    assert.equal(hex(decodeBase64Strict('AA==')), '00');
    assert.equal(hex(decodeBase64Strict('AAE=')), '0001');
    assert.equal(hex(decodeBase64Strict('AAEC')), '000102');
    assert.equal(hex(decodeBase64Strict('QUJDRA==')), '41424344');
    assert.equal(hex(decodeBase64Strict('+/+/')), 'fbffbf');
  });

  // Security case SIG-06: Node's lenient decoder maps all of these to some bytes.
  const rejected: Array<[string, string]> = [
    ['inserted garbage', 'QUJD!!!RA=='],
    ['missing padding', 'QUJDRA'],
    ['one missing padding character', 'QUJDRA='],
    ['extra padding', 'QUJDRA==='],
    ['padding only', '===='],
    ['padding in the middle', 'QQ==QUJD'],
    ['embedded newline', 'QUJD\nRA=='],
    ['trailing newline', 'QUJDRA==\n'],
    ['embedded CRLF', 'QUJD\r\nRA=='],
    ['leading space', ' QUJDRA=='],
    ['embedded tab', 'QUJD\tRA=='],
    ['NUL', 'QUJD\0RA=='],
    ['URL-safe alphabet', '-_-_'],
    ['URL-safe alphabet mixed in', 'QUJD-A=='],
    ['non-zero padding bits (2 chars)', 'QR=='],
    ['non-zero padding bits (3 chars)', 'QUJ='],
    ['a single character', 'A'],
    ['five characters', 'AAAAA'],
    ['non-ASCII letter', 'QUJDRÄ=='],
    ['full-width letters', 'ＱＵＪＤ'],
  ];
  for (const [what, text] of rejected) {
    test(`rejects ${what}`, () => {
      assert.throws(() => decodeBase64Strict(text), isCode('base64_invalid'));
    });
  }

  test('round-trips arbitrary bytes through encodeBase64', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        assert.deepEqual(decodeBase64Strict(encodeBase64(bytes)), bytes);
      }),
    );
  });

  test('accepts a string only if it is the encoding of what it decodes to', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n!';
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...alphabet), maxLength: 16 }), (text) => {
        let bytes: Uint8Array;
        try {
          bytes = decodeBase64Strict(text);
        } catch (e) {
          assert.ok(isCode('base64_invalid')(e));
          return;
        }
        assert.equal(encodeBase64(bytes), text);
      }),
      { numRuns: 2000 },
    );
  });

  test('encodeBase64 encodes a subarray view, not its backing buffer', () => {
    const backing = Uint8Array.of(1, 2, 3, 4);
    assert.equal(encodeBase64(backing.subarray(1, 3)), Buffer.from([2, 3]).toString('base64'));
  });

  test('base64ToLong refuses non-canonical base64 of a valid number', () => {
    assert.equal(base64ToLong('AQ=='), 1n);
    assert.throws(() => base64ToLong('AQ'), isCode('base64_invalid'));
    assert.throws(() => base64ToLong('AR=='), isCode('base64_invalid'));
    assert.throws(() => base64ToLong(''), isCode('btwoc_invalid'));
  });
});
