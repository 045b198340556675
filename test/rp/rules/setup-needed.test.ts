/**
 * Setup-needed answers (src/rp/rules/setup-needed.ts): believed only for an
 * immediate login this browser started, in its version, with a setup URL on
 * the provider's origin (OpenID 2.0 §10.2.1; OpenID 1.1 §4.2.2.2).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkSetupNeeded, isSetupAnswer, setupNeededResult } from '../../../src/rp/rules/setup-needed.js';
import { endpoint, loginState, msg, NS2, outcome, RETURN } from './fixtures.js';

const HERE = `${RETURN}&openid.mode=setup_needed`;
const immediate2 = loginState({ immediate: true });
const immediate1 = loginState({ immediate: true }, endpoint({ version: '1.1' }));

describe('isSetupAnswer', () => {
  const rows: [string, ReturnType<typeof msg>, 'id_res' | 'setup_needed', boolean][] = [
    ['2.0 setup_needed', msg({ ns: NS2, mode: 'setup_needed' }), 'setup_needed', true],
    [
      '1.x id_res with user_setup_url',
      msg({ mode: 'id_res', user_setup_url: 'https://op.example/s' }),
      'id_res',
      true,
    ],
    ['1.x id_res without user_setup_url', msg({ mode: 'id_res' }), 'id_res', false],
    [
      '2.0 id_res with user_setup_url (a positive assertion)',
      msg({ ns: NS2, mode: 'id_res', user_setup_url: 'x' }),
      'id_res',
      false,
    ],
  ];
  for (const [name, m, mode, expected] of rows)
    test(name, () => assert.equal(isSetupAnswer(m, mode), expected));
});

describe('checkSetupNeeded', () => {
  const rows: [string, ReturnType<typeof msg>, ReturnType<typeof loginState> | null, string, string][] = [
    ['setup_needed in OpenID 1', msg({ mode: 'setup_needed' }), immediate1, HERE, 'malformed_message'],
    ['no login state', msg({ ns: NS2, mode: 'setup_needed' }), null, HERE, 'unsolicited_rejected'],
    [
      'a login that was not immediate',
      msg({ ns: NS2, mode: 'setup_needed' }),
      loginState(),
      HERE,
      'unexpected_mode',
    ],
    ['a 2.0 answer to a 1.1 login', msg({ ns: NS2, mode: 'setup_needed' }), immediate1, HERE, 'ns_mismatch'],
    [
      'a 1.x answer to a 2.0 login',
      msg({ mode: 'id_res', user_setup_url: 'https://op.example/s' }),
      immediate2,
      HERE,
      'ns_mismatch',
    ],
    [
      'a URL without this login’s rp nonce',
      msg({ ns: NS2, mode: 'setup_needed' }),
      immediate2,
      'https://rp.example/return?sid=S',
      'session_binding_failed',
    ],
    [
      'a URL with another login’s rp nonce',
      msg({ ns: NS2, mode: 'setup_needed' }),
      immediate2,
      'https://rp.example/return?openid2.rp_nonce=2026-12-06T16:00:00Zother',
      'session_binding_failed',
    ],
    [
      '1.x setup URL on another origin',
      msg({ mode: 'id_res', user_setup_url: 'https://evil.example/s' }),
      immediate1,
      HERE,
      'setup_url_untrusted',
    ],
    [
      '1.x setup URL not http(s)',
      msg({ mode: 'id_res', user_setup_url: 'javascript:alert(1)' }),
      immediate1,
      HERE,
      'setup_url_untrusted',
    ],
  ];
  for (const [name, m, state, url, code] of rows) {
    test(`${name}: ${code}`, () => assert.equal(outcome(checkSetupNeeded(m, state, url)), code));
  }
  const accepted: [string, ReturnType<typeof msg>, ReturnType<typeof loginState>, string | null][] = [
    ['2.0 without a setup URL', msg({ ns: NS2, mode: 'setup_needed' }), immediate2, null],
    [
      '2.0 with a setup URL on the provider’s origin',
      msg({ ns: NS2, mode: 'setup_needed', user_setup_url: 'https://op.example/setup' }),
      immediate2,
      'https://op.example/setup',
    ],
    [
      '2.0 with a foreign setup URL: the answer stands, the URL is dropped',
      msg({ ns: NS2, mode: 'setup_needed', user_setup_url: 'https://evil.example/' }),
      immediate2,
      null,
    ],
    [
      '1.x with a setup URL on the provider’s origin',
      msg({ mode: 'id_res', user_setup_url: 'https://OP.example:443/setup' }),
      immediate1,
      'https://OP.example:443/setup',
    ],
  ];
  for (const [name, m, state, url] of accepted) {
    test(name, () => assert.deepEqual(checkSetupNeeded(m, state, HERE), { ok: true, value: url }));
  }
});

describe('setupNeededResult', () => {
  test('an accepted answer is a setup_needed result', () => {
    const m = msg({ ns: NS2, mode: 'setup_needed', user_setup_url: 'https://op.example/setup' });
    assert.deepEqual(setupNeededResult(m, immediate2, HERE), {
      status: 'setup_needed',
      setupUrl: 'https://op.example/setup',
    });
  });
  test('a refused answer is a failure result', () => {
    assert.deepEqual(setupNeededResult(msg({ ns: NS2, mode: 'setup_needed' }), null, HERE), {
      status: 'failure',
      code: 'unsolicited_rejected',
      message: 'a setup-needed answer without login state is refused (open-redirect guard)',
    });
  });
});
