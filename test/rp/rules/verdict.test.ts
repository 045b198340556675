/** The one verdict shape of the §11 rules (src/rp/rules/verdict.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { failureOf, PASS, pass, refuse } from '../../../src/rp/rules/verdict.js';

describe('verdict', () => {
  test('refuse carries ok: false, the code and the message', () => {
    assert.deepEqual(refuse('nonce_replay', 'seen'), { ok: false, code: 'nonce_replay', message: 'seen' });
  });
  test('pass carries the value', () => {
    assert.deepEqual(pass(42), { ok: true, value: 42 });
  });
  test('pass(null) is a passed verdict whose value is null', () => {
    assert.deepEqual(pass(null), { ok: true, value: null });
  });
  test('PASS is exactly { ok: true } and cannot be altered', () => {
    assert.deepEqual(PASS, { ok: true });
    assert.equal(Object.isFrozen(PASS), true);
  });
  test('failureOf: a failure result with the code and message', () => {
    assert.deepEqual(failureOf(refuse('bad_signature', 'no')), {
      status: 'failure',
      code: 'bad_signature',
      message: 'no',
    });
  });
  test('failureOf: the asserted claimed id when given', () => {
    assert.deepEqual(failureOf(refuse('bad_signature', 'no'), 'https://mallory.example/'), {
      status: 'failure',
      code: 'bad_signature',
      message: 'no',
      assertedClaimedId: 'https://mallory.example/',
    });
  });
  test('failureOf: no assertedClaimedId key when it is undefined', () => {
    assert.equal('assertedClaimedId' in failureOf(refuse('bad_signature', 'no'), undefined), false);
  });
});
