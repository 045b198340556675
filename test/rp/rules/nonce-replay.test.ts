/** Spec §11.3, a nonce accepted once (src/rp/rules/nonce-replay.ts). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useNonceOnce } from '../../../src/rp/rules/nonce-replay.js';
import { TestStore } from '../../helpers/fake-op.js';
import { OP, outcome } from './fixtures.js';

const NONCE = { timestamp: 1116177111, salt: 'UNIQUE' };

describe('useNonceOnce', () => {
  test('stateless (no store): passes, nothing recorded', async () => {
    assert.deepEqual(await useNonceOnce(null, OP, NONCE), { ok: true });
  });
  test('first use passes', async () => {
    assert.deepEqual(await useNonceOnce(new TestStore(), OP, NONCE), { ok: true });
  });
  test('second use: nonce_replay', async () => {
    const store = new TestStore();
    await useNonceOnce(store, OP, NONCE);
    assert.deepEqual(await useNonceOnce(store, OP, NONCE), {
      ok: false,
      code: 'nonce_replay',
      message: 'this response was used before',
    });
  });
  test('the same nonce from another endpoint is another nonce', async () => {
    const store = new TestStore();
    await useNonceOnce(store, OP, NONCE);
    assert.equal(outcome(await useNonceOnce(store, 'https://op2.example/server', NONCE)), 'ok');
  });
  test('another salt at the same second is another nonce', async () => {
    const store = new TestStore();
    await useNonceOnce(store, OP, NONCE);
    assert.equal(outcome(await useNonceOnce(store, OP, { ...NONCE, salt: 'OTHER' })), 'ok');
  });
  test('a store that fails: store_unavailable, never a pass', async () => {
    const store = new TestStore();
    store.nonceDown = true;
    const v = await useNonceOnce(store, OP, NONCE);
    assert.equal(outcome(v), 'store_unavailable');
    assert.match(v.ok ? '' : v.message, /^the nonce could not be checked: /);
  });
});
