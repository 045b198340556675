/**
 * Login binding (src/rp/rules/login-state.ts): the state token, its state
 * (authentic, unexpired, bound) and the single use of a state carried in
 * return_to.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bindingDigest } from '../../../src/rp/return-to-state.js';
import {
  checkLoginState,
  type LoginStateRules,
  loginStateOf,
  stateTokenOf,
  useReturnToStateOnce,
} from '../../../src/rp/rules/login-state.js';
import { encodeState } from '../../../src/rp/state.js';
import { TestStore } from '../../helpers/fake-op.js';
import { loginState, msg, NS2, outcome, RETURN } from './fixtures.js';

const SECRET = new TextEncoder().encode('s'.repeat(40));
const ISSUED = 1_800_000_000;

function rules(over: Partial<LoginStateRules> = {}): LoginStateRules {
  return {
    secret: SECRET,
    now: () => ISSUED + 10,
    maxAgeSeconds: 3600,
    stateInReturnTo: false,
    store: null,
    ...over,
  };
}

const token = encodeState(loginState({ issuedAt: ISSUED }), SECRET);
const withState = (t: string) => `https://rp.example/return?openid2.state=${encodeURIComponent(t)}`;

describe('stateTokenOf', () => {
  const inReturnTo = msg({ ns: NS2, mode: 'id_res', return_to: withState('T') });
  const twice = msg({ ns: NS2, mode: 'id_res', return_to: `${withState('T')}&openid2.state=U` });
  const rows: [string, string | null | undefined, ReturnType<typeof msg>, boolean, string | null][] = [
    ['the app’s token wins', 'A', inReturnTo, true, 'A'],
    ['no app token, state in return_to', undefined, inReturnTo, true, 'T'],
    ['an empty app token counts as none', '', inReturnTo, true, 'T'],
    ['no app token, stateIn caller: none', undefined, inReturnTo, false, null],
    ['null app token, stateIn caller: none', null, inReturnTo, false, null],
    ['two states in return_to: none', undefined, twice, true, null],
    ['no return_to: none', undefined, msg({ ns: NS2, mode: 'id_res' }), true, null],
  ];
  for (const [name, given, message, inRt, expected] of rows) {
    test(name, () => assert.equal(stateTokenOf(given, message, inRt), expected));
  }
});

describe('checkLoginState', () => {
  test('no token: no state', () =>
    assert.deepEqual(checkLoginState(null, undefined, rules()), { ok: true, value: null }));
  test('an authentic, fresh token: its state', () => {
    const v = checkLoginState(token, undefined, rules());
    assert.equal(v.ok && v.value?.returnTo, RETURN);
  });
  const refused: [string, string, Partial<LoginStateRules>, string | undefined, string][] = [
    [
      'a token from another secret',
      encodeState(loginState(), new TextEncoder().encode('o'.repeat(40))),
      {},
      undefined,
      'state_invalid',
    ],
    ['a malformed token', 'v1.abc', {}, undefined, 'state_invalid'],
    ['a token past the maximum age', token, { now: () => ISSUED + 3601 }, undefined, 'state_expired'],
    [
      'a token issued more than 5 minutes ahead',
      token,
      { now: () => ISSUED - 301 },
      undefined,
      'state_expired',
    ],
  ];
  for (const [name, t, over, bindTo, code] of refused) {
    test(`${name}: ${code}`, () => assert.equal(outcome(checkLoginState(t, bindTo, rules(over))), code));
  }
  test('a token at exactly the maximum age passes', () => {
    assert.equal(outcome(checkLoginState(token, undefined, rules({ now: () => ISSUED + 3600 }))), 'ok');
  });
  const bound = encodeState(
    loginState({ issuedAt: ISSUED, binding: bindingDigest(SECRET, 'session-1') }),
    SECRET,
  );
  test('a bound login presented with its value passes', () => {
    assert.equal(outcome(checkLoginState(bound, 'session-1', rules())), 'ok');
  });
  test('a bound login presented without a value: session_binding_failed', () => {
    assert.deepEqual(checkLoginState(bound, undefined, rules()), {
      ok: false,
      code: 'session_binding_failed',
      message: 'this login was bound; complete() got no bindTo',
    });
  });
  test('a bound login presented with another value: session_binding_failed', () => {
    assert.equal(outcome(checkLoginState(bound, 'session-2', rules())), 'session_binding_failed');
  });
  test('an unbound login ignores a presented value', () => {
    assert.equal(outcome(checkLoginState(token, 'anything', rules())), 'ok');
  });
});

describe('useReturnToStateOnce', () => {
  test('first use passes, the second is state_replayed', async () => {
    const store = new TestStore();
    assert.deepEqual(await useReturnToStateOnce(loginState(), store), { ok: true });
    assert.deepEqual(await useReturnToStateOnce(loginState(), store), {
      ok: false,
      code: 'state_replayed',
      message: 'this login state was used before; start again',
    });
  });
  test('a state whose return_to has no rp nonce cannot be used', async () => {
    const v = await useReturnToStateOnce(
      loginState({ returnTo: 'https://rp.example/return' }),
      new TestStore(),
    );
    assert.equal(outcome(v), 'state_replayed');
  });
  test('a store that fails: store_unavailable, naming the store’s error', async () => {
    const store = new TestStore();
    store.nonceDown = true;
    const v = await useReturnToStateOnce(loginState(), store);
    assert.equal(outcome(v), 'store_unavailable');
    assert.match(v.ok ? '' : v.message, /^the login state could not be checked: /);
  });
});

describe('loginStateOf', () => {
  const fromReturnTo = msg({ ns: NS2, mode: 'id_res', return_to: withState(token) });
  test('a state from return_to is consumed by a positive answer', async () => {
    const store = new TestStore();
    const r = rules({ stateInReturnTo: true, store });
    assert.equal(outcome(await loginStateOf(fromReturnTo, 'id_res', {}, r)), 'ok');
    assert.equal(outcome(await loginStateOf(fromReturnTo, 'id_res', {}, r)), 'state_replayed');
  });
  test('a setup_needed answer does not consume it', async () => {
    const store = new TestStore();
    const r = rules({ stateInReturnTo: true, store });
    assert.equal(outcome(await loginStateOf(fromReturnTo, 'setup_needed', {}, r)), 'ok');
    assert.equal(outcome(await loginStateOf(fromReturnTo, 'setup_needed', {}, r)), 'ok');
  });
  test('a state the app gives is not consumed (the app’s cookie or session is cleared instead)', async () => {
    const store = new TestStore();
    const r = rules({ stateInReturnTo: true, store });
    assert.equal(outcome(await loginStateOf(fromReturnTo, 'id_res', { state: token }, r)), 'ok');
    assert.equal(outcome(await loginStateOf(fromReturnTo, 'id_res', { state: token }, r)), 'ok');
  });
  test('an invalid token is refused before the store is asked', async () => {
    const store = new TestStore();
    store.down = true;
    const v = await loginStateOf(
      msg({ ns: NS2, mode: 'id_res' }),
      'id_res',
      { state: 'v1.x.y' },
      rules({ store }),
    );
    assert.equal(outcome(v), 'state_invalid');
  });
  test('the binding is checked on the way', async () => {
    const bound = encodeState(loginState({ issuedAt: ISSUED, binding: bindingDigest(SECRET, 'b') }), SECRET);
    const v = await loginStateOf(
      msg({ ns: NS2, mode: 'id_res' }),
      'id_res',
      { state: bound, bindTo: 'c' },
      rules(),
    );
    assert.equal(outcome(v), 'session_binding_failed');
  });
  test('no token anywhere: no state', async () => {
    assert.deepEqual(await loginStateOf(msg({ ns: NS2, mode: 'id_res' }), 'id_res', {}, rules()), {
      ok: true,
      value: null,
    });
  });
});
