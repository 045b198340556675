/**
 * Login state carried in return_to (`stateIn: 'returnTo'`, issue 24): still
 * authenticated, expiring, used once (the store remembers it) and bound to
 * the value the app presents (bindTo); OpenID 2.0 and 1.1.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OPENID_NS } from '../../src/protocol/message.js';
import { RelyingParty, type RelyingPartyOptions } from '../../src/rp/relying-party.js';
import {
  bindingDigest,
  checkStateBinding,
  RETURN_TO_STATE_PARAM,
  stateFromReturnTo,
} from '../../src/rp/return-to-state.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { FakeOP, identityPage, OP } from '../helpers/fake-op.js';

const SECRET = 'r'.repeat(40);

function setup(extra: Partial<RelyingPartyOptions> = {}) {
  let now = Math.floor(Date.now() / 1000);
  const op = new FakeOP(OP, {
    now: () => now,
    pages: { 'https://bob.example/': identityPage(OP, { version: '1.1' }) },
  });
  const rp = new RelyingParty({
    realm: 'https://rp.example/',
    returnTo: 'https://rp.example/return?site=1',
    secret: SECRET,
    store: new MemoryStore({ now: () => now }),
    fetcher: op.fetcher,
    now: () => now,
    stateIn: 'returnTo',
    ...extra,
  });
  return { op, rp, tick: (s: number) => (now += s) };
}

async function respond(
  s: ReturnType<typeof setup>,
  user = 'https://alice.example/',
  bindTo: string | null = 'session-123',
) {
  const auth = await s.rp.begin(user, bindTo === null ? {} : { bindTo });
  const request = FakeOP.request(auth.redirectUrl);
  return { auth, request, url: FakeOP.returnUrl(s.op.assertion(request)) };
}

describe('return_to state: the pure parts', () => {
  test('stateFromReturnTo reads exactly one state parameter', () => {
    assert.equal(stateFromReturnTo(`https://rp.example/r?${RETURN_TO_STATE_PARAM}=abc`), 'abc');
    assert.equal(
      stateFromReturnTo(`https://rp.example/r?${RETURN_TO_STATE_PARAM}=a&${RETURN_TO_STATE_PARAM}=b`),
      null,
    );
    assert.equal(stateFromReturnTo('https://rp.example/r'), null);
    assert.equal(stateFromReturnTo('not a url'), null);
    assert.equal(stateFromReturnTo(undefined), null);
  });
  test('checkStateBinding: unbound passes; bound needs the same value', () => {
    const key = new TextEncoder().encode(SECRET);
    const d = bindingDigest(key, 'x');
    assert.deepEqual(checkStateBinding(undefined, undefined, key), { ok: true });
    assert.deepEqual(checkStateBinding(d, 'x', key), { ok: true });
    assert.equal(checkStateBinding(d, 'y', key).ok, false);
    assert.equal(checkStateBinding(d, undefined, key).ok, false);
    assert.ok(!d.includes('x') || d.length > 20);
  });
});

describe("stateIn: 'returnTo'", () => {
  test('the state rides in return_to; complete() needs no state from the app (OpenID 2.0)', async () => {
    const s = setup();
    const { request, url } = await respond(s);
    const rt = request.get(OPENID_NS, 'return_to') as string;
    assert.ok(new URL(rt).searchParams.get(RETURN_TO_STATE_PARAM));
    assert.equal(new URL(rt).searchParams.get('site'), '1');
    const r = await s.rp.complete(url, { bindTo: 'session-123' });
    assert.equal(r.status, 'success');
  });

  test('an OpenID 1.1 login (no response_nonce) completes from return_to alone', async () => {
    const s = setup();
    const { url } = await respond(s, 'https://bob.example/');
    const r = await s.rp.complete(url, { bindTo: 'session-123' });
    assert.equal(r.status, 'success');
    if (r.status === 'success') assert.equal(r.isOpenID1(), true);
  });

  test('used once: the same response twice fails the second time', async () => {
    const s = setup();
    const { url } = await respond(s);
    assert.equal((await s.rp.complete(url, { bindTo: 'session-123' })).status, 'success');
    const again = await s.rp.complete(url, { bindTo: 'session-123' });
    assert.equal(again.status, 'failure');
    if (again.status === 'failure') assert.equal(again.code, 'state_replayed');
  });

  test('bound: another client (another bindTo, or none) is refused', async () => {
    const s = setup();
    const { url } = await respond(s);
    for (const bindTo of ['session-999', undefined]) {
      const r = await s.rp.complete(url, bindTo === undefined ? {} : { bindTo });
      assert.equal(r.status, 'failure');
      if (r.status === 'failure') assert.equal(r.code, 'session_binding_failed');
    }
  });

  test('expiring: past stateMaxAgeSeconds the state is refused', async () => {
    const s = setup({ stateMaxAgeSeconds: 300 });
    const { url } = await respond(s);
    s.tick(301);
    const r = await s.rp.complete(url, { bindTo: 'session-123' });
    assert.equal(r.status, 'failure');
    if (r.status === 'failure') assert.equal(r.code, 'state_expired');
  });

  test('authenticated: a state token edited in return_to is refused', async () => {
    const s = setup();
    const { url } = await respond(s);
    const u = new URL(url);
    const rt = new URL(u.searchParams.get('openid.return_to') as string);
    const token = rt.searchParams.get(RETURN_TO_STATE_PARAM) as string;
    const forged = token.replace(/\.[^.]+$/, '.AAAA');
    u.searchParams.set(
      'openid.return_to',
      rt.toString().replace(encodeURIComponent(token), encodeURIComponent(forged)),
    );
    u.searchParams.set(RETURN_TO_STATE_PARAM, forged);
    const r = await s.rp.complete(u.toString(), { bindTo: 'session-123' });
    assert.equal(r.status, 'failure');
    if (r.status === 'failure') assert.equal(r.code, 'state_invalid');
  });

  test('begin() without bindTo is refused unless requireStateBinding is false', async () => {
    await assert.rejects(setup().rp.begin('https://alice.example/'), { code: 'invalid_option' });
    const s = setup({ requireStateBinding: false });
    const { url } = await respond(s, 'https://alice.example/', null);
    const unbound = await s.rp.complete(url);
    assert.equal(unbound.status, 'success', JSON.stringify(unbound));
  });

  test('needs a store', () => {
    assert.throws(
      () =>
        new RelyingParty({
          realm: 'https://rp.example/',
          returnTo: 'https://rp.example/return',
          secret: SECRET,
          stateIn: 'returnTo',
        }),
      { code: 'invalid_option' },
    );
  });

  test("a state the app holds still works (auth.state), and 'caller' mode ignores return_to", async () => {
    const s = setup();
    const { auth, url } = await respond(s);
    assert.equal((await s.rp.complete(url, { state: auth.state, bindTo: 'session-123' })).status, 'success');
    const c = setup({ stateIn: 'caller' });
    const { url: url2 } = await respond(c);
    const r = await c.rp.complete(url2);
    assert.equal(r.status, 'failure');
    if (r.status === 'failure') assert.equal(r.code, 'unsolicited_rejected');
  });
});
