/**
 * formPairs reads a query or form body as URLSearchParams does: the same
 * pairs, in the same order, for plain, encoded, malformed and hostile input.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { formPairs } from '../../src/protocol/form-pairs.js';

describe('formPairs', () => {
  test('literal cases', () => {
    assert.deepEqual(formPairs('?a=1&b=x%20y+z'), [
      ['a', '1'],
      ['b', 'x y z'],
    ]);
    assert.deepEqual(formPairs('a=1&a=2&&c&=v&d='), [
      ['a', '1'],
      ['a', '2'],
      ['c', ''],
      ['', 'v'],
      ['d', ''],
    ]);
    assert.deepEqual(formPairs('openid.sig=abc%2B%2F%3D&k=a=b'), [
      ['openid.sig', 'abc+/='],
      ['k', 'a=b'],
    ]);
    // Left to URLSearchParams: a malformed escape stays as written, bytes that are not UTF-8 become U+FFFD.
    assert.deepEqual(formPairs('a=%ZZ&b=%C0%AF&c=%E2%82%AC'), [
      ['a', '%ZZ'],
      ['b', '\uFFFD\uFFFD'],
      ['c', '€'],
    ]);
    assert.deepEqual(formPairs('a=\uD800'), [['a', '\uFFFD']]);
    assert.deepEqual(formPairs(''), []);
    assert.deepEqual(formPairs('?'), []);
  });

  test('agrees with URLSearchParams on 2,000 random strings', () => {
    const alphabet = [
      'a',
      'b',
      '=',
      '&',
      '+',
      '%',
      '2',
      'F',
      'C',
      '0',
      'E',
      '9',
      'é',
      '?',
      ' ',
      '\uD83D',
      '\uDE00',
    ];
    for (let i = 0; i < 2000; i++) {
      let s = '';
      for (let n = randomInt(0, 24); n > 0; n--) s += alphabet[randomInt(0, alphabet.length)];
      assert.deepEqual(formPairs(s), [...new URLSearchParams(s)], JSON.stringify(s));
    }
  });
});
