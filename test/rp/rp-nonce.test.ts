/**
 * rpNonceOf reads `openid2.rp_nonce` off the query text (issue 25): the same
 * answer as `searchParams.getAll()` — exactly one value or null — for plain,
 * encoded, repeated, malformed and non-UTF-8 input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rpNonceOf, sameRpNonce } from '../../src/rp/rp-nonce.js';

describe('rpNonceOf', () => {
  const cases: [string, string | null][] = [
    ['https://a.example/r?openid2.rp_nonce=2026-12-06T16%3A00%3A00Zabc', '2026-12-06T16:00:00Zabc'],
    ['https://a.example/r?a=1&openid2.rp_nonce=x+y%20z&b', 'x y z'],
    ['https://a.example/r?openid2.rp_nonce=1&openid2.rp_nonce=2', null],
    ['https://a.example/r?openid2%2Erp_nonce=1', '1'],
    ['https://a.example/r?openid2.rp_nonce', ''],
    ['https://a.example/r?openid2.rp_nonce=%ZZ', '%ZZ'],
    ['https://a.example/r?openid2.rp_nonce=%C0%AF', '\uFFFD\uFFFD'],
    ['https://a.example/r?&&openid2.rp_nonce=a=b&', 'a=b'],
    ['https://a.example/r?openid2.rp_nonce=n#openid2.rp_nonce=m', 'n'],
    ['https://a.example/r', null],
    ['not a url', null],
  ];
  for (const [url, expected] of cases) {
    test(JSON.stringify(url), () => {
      assert.equal(rpNonceOf(url), expected);
      if (url !== 'not a url') assert.equal(rpNonceOf(new URL(url)), expected);
    });
  }
  test('sameRpNonce needs one equal nonce on both sides', () => {
    assert.equal(
      sameRpNonce('https://a.example/r?openid2.rp_nonce=x', 'https://b.example/?openid2.rp_nonce=x'),
      true,
    );
    assert.equal(
      sameRpNonce('https://a.example/r?openid2.rp_nonce=x', 'https://a.example/r?openid2.rp_nonce=y'),
      false,
    );
    assert.equal(sameRpNonce('https://a.example/r', 'https://a.example/r'), false);
  });
});
