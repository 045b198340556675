/**
 * A Diffie-Hellman associate request's values (spec §8.1.2, §8.4.2;
 * security cases DH-01, DH-07..09), each refusal branch with the sentence
 * the provider answers with.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dhConsumerPublic, dhGroup } from '../../../src/op/rules/dh-session.js';
import { DEFAULT_DH_GENERATOR, DEFAULT_DH_MODULUS } from '../../../src/protocol/dh.js';
import { btwoc, encodeBase64 } from '../../../src/protocol/encoding.js';

/** base64(btwoc(n)): the wire form of a DH number. */
const b64 = (n: bigint) => encodeBase64(btwoc(n));
const P = DEFAULT_DH_MODULUS;
const refused = (message: string) => ({ ok: false, code: 'dh_invalid', message });

describe('dhGroup (§8.1.2)', () => {
  test('no dh_modulus / dh_gen: the default group of Appendix B, g = 2', () => {
    const v = dhGroup({}, true);
    assert.ok(v.ok);
    assert.equal(v.value.modulus, P);
    assert.equal(v.value.generator, 2n);
  });
  test('the default group sent explicitly is accepted even when custom groups are not', () => {
    const v = dhGroup({ dh_modulus: b64(P), dh_gen: b64(DEFAULT_DH_GENERATOR) }, false);
    assert.ok(v.ok);
    assert.equal(v.value.modulus, P);
  });
  test('a custom generator over the default modulus is accepted when custom groups are', () => {
    const v = dhGroup({ dh_modulus: b64(P), dh_gen: b64(5n) }, true);
    assert.ok(v.ok);
    assert.equal(v.value.generator, 5n);
  });
  const rows: [string, Record<string, string>, boolean, string][] = [
    [
      'dh_modulus without dh_gen',
      { dh_modulus: b64(P) },
      true,
      'dh_modulus and dh_gen must be sent together',
    ],
    ['dh_gen without dh_modulus', { dh_gen: b64(2n) }, true, 'dh_modulus and dh_gen must be sent together'],
    [
      'a custom group when allowCustomModulus is false',
      { dh_modulus: b64(P), dh_gen: b64(5n) },
      false,
      'custom DH groups are not accepted',
    ],
    [
      'a dh_modulus that is not canonical base64',
      { dh_modulus: 'AR==', dh_gen: b64(2n) },
      true,
      'dh_modulus is not canonical base64',
    ],
    ['an empty dh_modulus', { dh_modulus: '', dh_gen: b64(2n) }, true, 'dh_modulus is empty'],
    [
      'an even modulus (DH-09)',
      { dh_modulus: b64(P + 1n), dh_gen: b64(2n) },
      true,
      'the DH modulus must be an odd prime',
    ],
    [
      'a modulus of 5 or less',
      { dh_modulus: b64(5n), dh_gen: b64(2n) },
      true,
      'the DH modulus must be an odd prime',
    ],
    [
      'a 5-bit modulus (DH-07)',
      { dh_modulus: b64(23n), dh_gen: b64(5n) },
      true,
      'the DH modulus has 5 bits, fewer than 1024',
    ],
    [
      'a 2101-bit modulus (DH-08)',
      { dh_modulus: b64(2n ** 2100n + 1n), dh_gen: b64(2n) },
      true,
      'the DH modulus has 2101 bits, more than 2048',
    ],
    ['generator 1', { dh_modulus: b64(P), dh_gen: b64(1n) }, true, 'the DH generator must be in [2, p-2]'],
    [
      'generator p-1',
      { dh_modulus: b64(P), dh_gen: b64(P - 1n) },
      true,
      'the DH generator must be in [2, p-2]',
    ],
  ];
  for (const [name, args, allowCustom, message] of rows) {
    test(`refuses ${name}`, () => {
      assert.deepEqual(dhGroup(args, allowCustom), refused(message));
    });
  }
});

describe('dhConsumerPublic (§8.1.2, DH-01)', () => {
  const group = (() => {
    const v = dhGroup({}, true);
    assert.ok(v.ok);
    return v.value;
  })();
  for (const n of [2n, 12345n, P - 2n]) {
    test(`accepts ${n === P - 2n ? 'p-2' : String(n)}`, () => {
      assert.deepEqual(dhConsumerPublic({ dh_consumer_public: b64(n) }, group), { ok: true, value: n });
    });
  }
  const rows: [string, Record<string, string>, string][] = [
    ['a missing key', {}, 'missing dh_consumer_public'],
    ['0', { dh_consumer_public: b64(0n) }, 'dh_consumer_public is outside [2, p-2]'],
    [
      '1 (the shared secret would be 1)',
      { dh_consumer_public: b64(1n) },
      'dh_consumer_public is outside [2, p-2]',
    ],
    [
      'p-1 (the shared secret would be ±1)',
      { dh_consumer_public: b64(P - 1n) },
      'dh_consumer_public is outside [2, p-2]',
    ],
    ['p itself', { dh_consumer_public: b64(P) }, 'dh_consumer_public is outside [2, p-2]'],
    [
      'a key longer than the modulus',
      { dh_consumer_public: b64(P * 256n) },
      'dh_consumer_public is longer than 129 bytes',
    ],
    [
      'a key that is not canonical base64',
      { dh_consumer_public: 'AR==' },
      'dh_consumer_public is not canonical base64',
    ],
    ['an empty key', { dh_consumer_public: '' }, 'dh_consumer_public is empty'],
  ];
  for (const [name, args, message] of rows) {
    test(`refuses ${name}`, () => {
      assert.deepEqual(dhConsumerPublic(args, group), refused(message));
    });
  }
});
