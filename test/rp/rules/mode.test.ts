/** Mode dispatch and the provider's error answer (src/rp/rules/mode.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { providerError, responseMode } from '../../../src/rp/rules/mode.js';
import { msg, NS2 } from './fixtures.js';

describe('responseMode', () => {
  for (const mode of ['id_res', 'setup_needed', 'cancel', 'error']) {
    test(`${mode} is answered`, () =>
      assert.deepEqual(responseMode(msg({ ns: NS2, mode })), { ok: true, value: mode }));
  }
  for (const mode of [
    'checkid_setup',
    'checkid_immediate',
    'associate',
    'check_authentication',
    'ID_RES',
    '',
  ]) {
    test(`${JSON.stringify(mode)} is refused`, () => {
      const v = responseMode(msg({ ns: NS2, mode }));
      assert.equal(v.ok ? 'ok' : v.code, 'malformed_message');
    });
  }
  test('a missing mode is refused, and the message says so', () => {
    const v = responseMode(msg({ ns: NS2 }));
    assert.equal(v.ok, false);
    assert.match(v.ok ? '' : v.message, /^unexpected openid\.mode/);
  });
  test('an OpenID 1 cancel is answered the same way', () => {
    assert.deepEqual(responseMode(msg({ mode: 'cancel' })), { ok: true, value: 'cancel' });
  });
});

describe('providerError', () => {
  test('op_error with the provider’s text', () => {
    assert.deepEqual(providerError(msg({ ns: NS2, mode: 'error', error: 'no such user' })), {
      status: 'failure',
      code: 'op_error',
      message: 'the provider said: no such user',
    });
  });
  test('contact and reference are kept', () => {
    const r = providerError(
      msg({ ns: NS2, mode: 'error', error: 'x', contact: 'ops@op.example', reference: 'R-1' }),
    );
    assert.equal(r.contact, 'ops@op.example');
    assert.equal(r.reference, 'R-1');
  });
  test('control characters in contact become spaces', () => {
    const r = providerError(msg({ ns: NS2, mode: 'error', error: 'x', contact: 'a\tb\u0007c' }));
    assert.equal(r.contact, 'a b c');
  });
  test('a reference is cut at 500 characters', () => {
    const r = providerError(msg({ ns: NS2, mode: 'error', error: 'x', reference: 'r'.repeat(600) }));
    assert.equal(r.reference?.length, 500);
  });
  test('no contact or reference keys when the provider sent none', () => {
    const r = providerError(msg({ ns: NS2, mode: 'error', error: 'x' }));
    assert.deepEqual(Object.keys(r).sort(), ['code', 'message', 'status']);
  });
});
