/** Spec §11.1 (src/rp/rules/return-to.ts): return_to names the URL the response arrived at. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkReturnTo } from '../../../src/rp/rules/return-to.js';
import { outcome } from './fixtures.js';

describe('checkReturnTo', () => {
  const rows: [string, string, string, string][] = [
    ['the same URL', 'https://rp.example/r?a=1', 'https://rp.example/r?a=1', 'ok'],
    [
      'openid.* parameters added by the provider',
      'https://rp.example/r?a=1',
      'https://rp.example/r?a=1&openid.mode=id_res&openid.sig=x',
      'ok',
    ],
    ['parameters in another order', 'https://rp.example/r?a=1&b=2', 'https://rp.example/r?b=2&a=1', 'ok'],
    ['the default port written out', 'https://rp.example:443/r', 'https://rp.example/r', 'ok'],
    ['host case', 'https://RP.example/r', 'https://rp.example/r', 'ok'],
    [
      'a percent-encoded unreserved character in the path',
      'https://rp.example/%72',
      'https://rp.example/r',
      'ok',
    ],
    ['a fragment on return_to', 'https://rp.example/r#top', 'https://rp.example/r', 'ok'],
    ['another scheme', 'http://rp.example/r', 'https://rp.example/r', 'return_to_mismatch'],
    ['another host', 'https://rp.example/r', 'https://evil.example/r', 'return_to_mismatch'],
    ['a subdomain', 'https://rp.example/r', 'https://a.rp.example/r', 'return_to_mismatch'],
    ['another port', 'https://rp.example/r', 'https://rp.example:8443/r', 'return_to_mismatch'],
    ['another path', 'https://rp.example/r', 'https://rp.example/s', 'return_to_mismatch'],
    ['a longer path', 'https://rp.example/r', 'https://rp.example/r/x', 'return_to_mismatch'],
    ['path case', 'https://rp.example/r', 'https://rp.example/R', 'return_to_mismatch'],
    ['an encoded slash', 'https://rp.example/a/b', 'https://rp.example/a%2Fb', 'return_to_mismatch'],
    [
      'a return_to parameter missing',
      'https://rp.example/r?a=1',
      'https://rp.example/r',
      'return_to_mismatch',
    ],
    [
      'a return_to parameter with another value',
      'https://rp.example/r?a=1',
      'https://rp.example/r?a=2',
      'return_to_mismatch',
    ],
    [
      'a return_to parameter given twice in the URL',
      'https://rp.example/r?a=1',
      'https://rp.example/r?a=1&a=1',
      'return_to_mismatch',
    ],
    [
      'a return_to repeating a parameter (RT-11)',
      'https://rp.example/r?a=1&a=2',
      'https://rp.example/r?a=1&a=2',
      'return_to_mismatch',
    ],
    [
      'a non-OpenID parameter return_to lacks (RT-07)',
      'https://rp.example/r',
      'https://rp.example/r?next=https://evil.example',
      'return_to_mismatch',
    ],
    ['a relative return_to', '/r', 'https://rp.example/r', 'return_to_mismatch'],
    ['a current URL that is not absolute', 'https://rp.example/r', '/r', 'return_to_mismatch'],
  ];
  for (const [name, returnTo, actual, expected] of rows) {
    test(`${name}: ${expected}`, () => assert.equal(outcome(checkReturnTo(returnTo, actual)), expected));
  }
  test('a parsed URL is read as the string would be', () => {
    assert.equal(
      outcome(checkReturnTo('https://rp.example/r?a=1', new URL('https://rp.example/r?a=2'))),
      'return_to_mismatch',
    );
    assert.equal(
      outcome(checkReturnTo('https://rp.example/r?a=1', new URL('https://rp.example/r?a=1'))),
      'ok',
    );
  });
  test('the refusal names the parameter', () => {
    assert.deepEqual(checkReturnTo('https://rp.example/r?a=1', 'https://rp.example/r?a=2'), {
      ok: false,
      code: 'return_to_mismatch',
      message: 'query parameter a of return_to is missing or differs',
    });
  });
});
