/**
 * return_to as the login sent it (src/rp/rules/login-return-to.ts): this
 * browser's login (rp nonce, same URL, echoed state) or, unsolicited, the
 * configured return URL (RT-09).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkConfiguredReturnTo, checkLoginReturnTo } from '../../../src/rp/rules/login-return-to.js';
import { loginState, outcome, RETURN } from './fixtures.js';

describe('checkLoginReturnTo', () => {
  const state = loginState();
  const rows: [string, string, boolean, string][] = [
    ['the return_to begin() sent', RETURN, false, 'ok'],
    ['without the rp nonce', 'https://rp.example/return?sid=S', false, 'session_binding_failed'],
    [
      'with another login’s rp nonce',
      'https://rp.example/return?sid=S&openid2.rp_nonce=2026-12-06T16:00:00Zzzz',
      false,
      'session_binding_failed',
    ],
    [
      'with the rp nonce twice',
      `${RETURN}&openid2.rp_nonce=2026-12-06T16:00:00Zabc`,
      false,
      'session_binding_failed',
    ],
    [
      'with the nonce but another app parameter',
      RETURN.replace('sid=S', 'sid=T'),
      false,
      'return_to_mismatch',
    ],
    ['with the nonce on another path', RETURN.replace('/return', '/other'), false, 'return_to_mismatch'],
    ['with a parameter the login did not send', `${RETURN}&next=x`, false, 'return_to_mismatch'],
    ['stateIn returnTo: the sent URL plus the echoed state', `${RETURN}&openid2.state=TOKEN`, true, 'ok'],
    [
      'stateIn caller: a state parameter was not sent',
      `${RETURN}&openid2.state=TOKEN`,
      false,
      'return_to_mismatch',
    ],
  ];
  for (const [name, returnTo, inRt, expected] of rows) {
    test(`${name}: ${expected}`, () =>
      assert.equal(outcome(checkLoginReturnTo(returnTo, state, inRt)), expected));
  }
  test('the binding refusal says another login is answered', () => {
    assert.deepEqual(checkLoginReturnTo('https://rp.example/return?sid=S', state, false), {
      ok: false,
      code: 'session_binding_failed',
      message: 'the response answers another login than the one this browser started',
    });
  });
});

describe('checkConfiguredReturnTo', () => {
  const configured = 'https://rp.example/return?sid=S';
  const rows: [string, string, string][] = [
    ['the configured URL', 'https://rp.example/return?sid=S', 'ok'],
    ['the configured path with another query', 'https://rp.example/return?x=1', 'ok'],
    ['the configured path with no query', 'https://rp.example/return', 'ok'],
    ['another path on this host', 'https://rp.example/admin', 'return_to_mismatch'],
    ['another host (a forged Host header, RT-09)', 'https://evil.example/return', 'return_to_mismatch'],
    ['plain http', 'http://rp.example/return', 'return_to_mismatch'],
  ];
  for (const [name, returnTo, expected] of rows) {
    test(`${name}: ${expected}`, () =>
      assert.equal(outcome(checkConfiguredReturnTo(returnTo, configured)), expected));
  }
});
