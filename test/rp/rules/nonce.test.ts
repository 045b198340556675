/** Spec §11.3, the nonce window (src/rp/rules/nonce.ts): 2.0 response_nonce, 1.x rp nonce in return_to. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertionNonce, checkNonceWindow } from '../../../src/rp/rules/nonce.js';
import { msg, NS2, outcome } from './fixtures.js';

// Spec §10.1's example nonce: 2005-05-15T17:11:51Z is Unix 1116177111.
const T = 1116177111;
const SKEW = 3600;

describe('checkNonceWindow', () => {
  test('a nonce in the window: its time and salt', () => {
    assert.deepEqual(checkNonceWindow('2005-05-15T17:11:51ZUNIQUE', T + 10, SKEW), {
      ok: true,
      value: { timestamp: T, salt: 'UNIQUE' },
    });
  });
  test('an empty salt is a salt', () => {
    assert.deepEqual(checkNonceWindow('2005-05-15T17:11:51Z', T, SKEW), {
      ok: true,
      value: { timestamp: T, salt: '' },
    });
  });
  const rows: [string, string | undefined, number, string][] = [
    ['no nonce', undefined, T, 'nonce_missing'],
    ['an empty nonce', '', T, 'nonce_missing'],
    ['a lower-case z', '2005-05-15T17:11:51zX', T, 'nonce_malformed'],
    ['an offset instead of Z', '2005-05-15T17:11:51+00:00X', T, 'nonce_malformed'],
    ['fractional seconds', '2005-05-15T17:11:51.5ZX', T, 'nonce_malformed'],
    ['February 30', '2005-02-30T17:11:51ZX', T, 'nonce_malformed'],
    ['just older than the window', '2005-05-15T17:11:51ZX', T + SKEW + 1, 'nonce_skew'],
    ['exactly at the window’s edge', '2005-05-15T17:11:51ZX', T + SKEW, 'ok'],
    ['from further in the future than the window', '2005-05-15T17:11:51ZX', T - SKEW - 1, 'nonce_skew'],
  ];
  for (const [name, nonce, now, expected] of rows) {
    test(`${name}: ${expected}`, () => assert.equal(outcome(checkNonceWindow(nonce, now, SKEW)), expected));
  }
});

describe('assertionNonce', () => {
  const rt = (nonce: string) => `https://rp.example/r?openid2.rp_nonce=${encodeURIComponent(nonce)}`;
  test('2.0: openid.response_nonce', () => {
    const m = msg({ ns: NS2, response_nonce: '2005-05-15T17:11:51Za' });
    assert.deepEqual(assertionNonce(m, '2.0', rt('2005-05-15T17:11:52Zb'), T, SKEW), {
      ok: true,
      value: { timestamp: T, salt: 'a' },
    });
  });
  test('2.0 without response_nonce: nonce_missing, whatever return_to carries', () => {
    assert.equal(
      outcome(assertionNonce(msg({ ns: NS2 }), '2.0', rt('2005-05-15T17:11:51Zb'), T, SKEW)),
      'nonce_missing',
    );
  });
  test('1.1: the rp nonce of return_to', () => {
    assert.deepEqual(assertionNonce(msg({}), '1.1', rt('2005-05-15T17:11:52Zb'), T, SKEW), {
      ok: true,
      value: { timestamp: T + 1, salt: 'b' },
    });
  });
  test('1.1 ignores a response_nonce it has no use for', () => {
    const m = msg({ response_nonce: '1999-01-01T00:00:00Zold' });
    assert.equal(outcome(assertionNonce(m, '1.1', rt('2005-05-15T17:11:51Zb'), T, SKEW)), 'ok');
  });
  test('1.1 without an rp nonce: nonce_missing', () => {
    assert.equal(outcome(assertionNonce(msg({}), '1.1', 'https://rp.example/r', T, SKEW)), 'nonce_missing');
  });
  test('1.1 with a stale rp nonce: nonce_skew', () => {
    assert.equal(
      outcome(assertionNonce(msg({}), '1.0', rt('2005-05-15T17:11:51Zb'), T + 2 * SKEW, SKEW)),
      'nonce_skew',
    );
  });
});
