/**
 * openid.mode at the provider (spec §4.1.2, §8.1, §9.1, §11.4.2.1): the four
 * modes it answers, and the two a checkid request may carry.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkidMode, requestMode } from '../../../src/op/rules/mode.js';

describe('requestMode (§4.1.2)', () => {
  for (const mode of ['associate', 'checkid_setup', 'checkid_immediate', 'check_authentication']) {
    test(`answers ${mode}`, () => {
      assert.deepEqual(requestMode(mode), { ok: true, value: mode });
    });
  }
  for (const [mode, message] of [
    ['id_res', 'unknown openid.mode id_res'],
    ['cancel', 'unknown openid.mode cancel'],
    ['CHECKID_SETUP', 'unknown openid.mode CHECKID_SETUP'],
    ['checkid_setup ', 'unknown openid.mode checkid_setup '],
    ['', 'unknown openid.mode '],
  ] as const) {
    test(`refuses ${JSON.stringify(mode)} as invalid_request (modes are case- and space-exact)`, () => {
      assert.deepEqual(requestMode(mode), { ok: false, code: 'invalid_request', message });
    });
  }
});

describe('checkidMode (§9.1)', () => {
  for (const mode of ['checkid_setup', 'checkid_immediate'] as const) {
    test(`a checkid request may be ${mode}`, () => {
      assert.deepEqual(checkidMode(mode), { ok: true, value: mode });
    });
  }
  for (const [mode, shown] of [
    ['associate', 'associate'],
    ['check_authentication', 'check_authentication'],
    [undefined, '(none)'],
  ] as const) {
    test(`a checkid request may not be ${shown}`, () => {
      assert.deepEqual(checkidMode(mode), {
        ok: false,
        code: 'invalid_request',
        message: `a checkid request has openid.mode ${shown}`,
      });
    });
  }
});
