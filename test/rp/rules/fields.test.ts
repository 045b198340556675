/**
 * The fields of a positive assertion (src/rp/rules/fields.ts): version,
 * required fields and the signed list (OpenID 2.0 §10.1; OpenID 1.1 §4.2).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkAssertionFields,
  checkRequiredFields,
  checkSignedList,
  checkVersion,
} from '../../../src/rp/rules/fields.js';
import { idRes1, idRes2, msg, NS2, NS11, outcome, RETURN } from './fixtures.js';

describe('checkVersion', () => {
  const rows: [string, Record<string, string>, '2.0' | '1.1' | '1.0', string][] = [
    ['2.0 message, 2.0 login', { ns: NS2 }, '2.0', 'ok'],
    ['no openid.ns, 1.1 login', {}, '1.1', 'ok'],
    ['1.1 openid.ns, 1.1 login', { ns: NS11 }, '1.1', 'ok'],
    ['no openid.ns, 1.0 login', {}, '1.0', 'ok'],
    ['openid.ns dropped from an answer to a 2.0 login (downgrade)', {}, '2.0', 'ns_mismatch'],
    ['1.1 openid.ns in an answer to a 2.0 login', { ns: NS11 }, '2.0', 'ns_mismatch'],
    ['2.0 message answering a 1.1 login', { ns: NS2 }, '1.1', 'ns_mismatch'],
  ];
  for (const [name, f, version, expected] of rows) {
    test(`${name}: ${expected}`, () =>
      assert.equal(outcome(checkVersion(msg({ mode: 'id_res', ...f }), version)), expected));
  }
});

describe('checkRequiredFields', () => {
  test('a complete 2.0 assertion passes', () =>
    assert.deepEqual(checkRequiredFields(msg(idRes2()), '2.0'), { ok: true }));
  test('a complete 1.1 assertion passes', () =>
    assert.deepEqual(checkRequiredFields(msg(idRes1()), '1.1'), { ok: true }));
  const missing2: [string, string][] = [
    ['op_endpoint', 'missing_field'],
    ['return_to', 'missing_field'],
    ['response_nonce', 'nonce_missing'],
    ['assoc_handle', 'missing_field'],
    ['signed', 'missing_field'],
    ['sig', 'missing_field'],
  ];
  for (const [field, code] of missing2) {
    test(`2.0 without ${field}: ${code}`, () => {
      assert.deepEqual(checkRequiredFields(msg(idRes2({}, [field])), '2.0'), {
        ok: false,
        code,
        message: `the assertion has no openid.${field}`,
      });
    });
    test(`2.0 with an empty ${field}: ${code}`, () => {
      assert.equal(outcome(checkRequiredFields(msg(idRes2({ [field]: '' })), '2.0')), code);
    });
  }
  for (const field of ['return_to', 'identity', 'assoc_handle', 'signed', 'sig']) {
    test(`1.1 without ${field}: missing_field`, () => {
      assert.equal(outcome(checkRequiredFields(msg(idRes1({}, [field])), '1.1')), 'missing_field');
    });
  }
  test('1.1 needs no op_endpoint or response_nonce', () => {
    assert.equal(outcome(checkRequiredFields(msg(idRes1()), '1.1')), 'ok');
  });
  test('2.0 claimed_id without identity: missing_field', () => {
    assert.equal(outcome(checkRequiredFields(msg(idRes2({}, ['identity'])), '2.0')), 'missing_field');
  });
  test('2.0 identity without claimed_id: missing_field', () => {
    assert.equal(outcome(checkRequiredFields(msg(idRes2({}, ['claimed_id'])), '2.0')), 'missing_field');
  });
  test('2.0 with neither claimed_id nor identity (extension-only) passes', () => {
    assert.equal(outcome(checkRequiredFields(msg(idRes2({}, ['claimed_id', 'identity'])), '2.0')), 'ok');
  });
});

describe('checkSignedList', () => {
  const all2 = 'op_endpoint,claimed_id,identity,return_to,response_nonce,assoc_handle';
  test('2.0: the signed list, in order', () => {
    assert.deepEqual(checkSignedList(msg(idRes2()), '2.0'), { ok: true, value: all2.split(',') });
  });
  for (const field of [
    'op_endpoint',
    'return_to',
    'response_nonce',
    'assoc_handle',
    'claimed_id',
    'identity',
  ]) {
    test(`2.0 with ${field} unsigned: missing_signed_field`, () => {
      const signed = all2
        .split(',')
        .filter((k) => k !== field)
        .join(',');
      assert.deepEqual(checkSignedList(msg(idRes2({ signed })), '2.0'), {
        ok: false,
        code: 'missing_signed_field',
        message: `openid.${field} is not signed`,
      });
    });
  }
  test('2.0 extension-only: claimed_id and identity need not be signed', () => {
    const m = msg(
      idRes2({ signed: 'op_endpoint,return_to,response_nonce,assoc_handle' }, ['claimed_id', 'identity']),
    );
    assert.equal(outcome(checkSignedList(m, '2.0')), 'ok');
  });
  for (const field of ['return_to', 'identity']) {
    test(`1.1 with ${field} unsigned: missing_signed_field`, () => {
      const signed = ['mode', 'identity', 'return_to'].filter((k) => k !== field).join(',');
      assert.equal(outcome(checkSignedList(msg(idRes1({ signed })), '1.1')), 'missing_signed_field');
    });
  }
  test('1.1 needs neither op_endpoint nor response_nonce signed', () => {
    assert.deepEqual(checkSignedList(msg(idRes1()), '1.1'), {
      ok: true,
      value: ['mode', 'identity', 'return_to'],
    });
  });
  test('a signed field that is absent: signed_field_absent', () => {
    assert.deepEqual(checkSignedList(msg(idRes2({ signed: `${all2},ns.sreg` })), '2.0'), {
      ok: false,
      code: 'signed_field_absent',
      message: 'openid.signed lists ns.sreg but it is absent',
    });
  });
  test('a repeated entry: malformed_message', () => {
    assert.equal(
      outcome(checkSignedList(msg(idRes2({ signed: `${all2},return_to` })), '2.0')),
      'malformed_message',
    );
  });
  test('an empty entry: malformed_message', () => {
    assert.equal(outcome(checkSignedList(msg(idRes2({ signed: `${all2},` })), '2.0')), 'malformed_message');
  });
});

describe('checkAssertionFields', () => {
  test('passes return_to, the handle and the signed list', () => {
    const v = checkAssertionFields(msg(idRes2()), '2.0');
    assert.equal(v.ok && v.value.returnTo, RETURN);
    assert.equal(v.ok && v.value.assocHandle, 'h1');
    assert.equal(v.ok && v.value.signed.length, 6);
  });
  test('the version is judged first', () => {
    // Both downgraded and missing fields: the downgrade is the answer.
    assert.equal(outcome(checkAssertionFields(msg(idRes2({}, ['ns', 'sig'])), '2.0')), 'ns_mismatch');
  });
  test('required fields before the signed list', () => {
    assert.equal(
      outcome(checkAssertionFields(msg(idRes2({ signed: 'return_to' }, ['sig'])), '2.0')),
      'missing_field',
    );
  });
  test('the signed list last', () => {
    assert.equal(
      outcome(checkAssertionFields(msg(idRes2({ signed: 'return_to' })), '2.0')),
      'missing_signed_field',
    );
  });
  test('a 1.1 assertion passes in 1.1', () => {
    assert.equal(outcome(checkAssertionFields(msg(idRes1()), '1.1')), 'ok');
  });
});
