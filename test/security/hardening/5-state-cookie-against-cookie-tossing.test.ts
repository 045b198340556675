/**
 * Issue 18, item 5: cookie tossing does not defeat the login binding.
 *
 * - On https the state cookie is `__Host-openid2_state`: Secure, Path=/, no
 *   Domain, so a sibling subdomain or a plain-http page cannot set one.
 * - When several state cookies arrive (parallel logins, or a tossed one on a
 *   plain-http site), the one whose per-login nonce matches the response's
 *   return_to is used, whichever order the browser sent them in.
 * - One Cookie header parser serves the whole package.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cookieValues, parseCookieHeader } from '../../../src/adapters/cookie-header.js';
import { finishLogin } from '../../../src/adapters/login-flow.js';
import { readStateCookies, resolveStateCookie, setStateCookie } from '../../../src/adapters/state-cookie.js';
import { RelyingParty } from '../../../src/rp/relying-party.js';
import { FakeOP, TestStore } from '../../helpers/fake-op.js';

describe('issue 18 item 5: state cookie against cookie tossing', () => {
  describe('__Host- prefix on https', () => {
    for (const returnTo of [
      'https://rp.example/login/return',
      'HTTPS://RP.EXAMPLE/login/return',
      'https://rp.example:8443/a/b/return?x=1',
    ]) {
      test(`${returnTo}: __Host-openid2_state; Secure; Path=/; no Domain`, () => {
        const c = resolveStateCookie(returnTo);
        assert.equal(c.name, '__Host-openid2_state');
        const set = setStateCookie(c, 'v1.abc.def');
        assert.match(set, /^__Host-openid2_state=v1\.abc\.def; /);
        assert.match(set, /; Path=\/;/);
        assert.match(set, /; Secure$/);
        assert.doesNotMatch(set, /domain=/i);
      });
    }
    test('plain http keeps openid2_state scoped to the return path (no prefix possible without Secure)', () => {
      const c = resolveStateCookie('http://rp.example/login/return');
      assert.equal(c.name, 'openid2_state');
      assert.equal(c.path, '/login/return');
      assert.doesNotMatch(setStateCookie(c, 'v1.a.b'), /Secure/);
    });
    test('a __Host- name with a path or without Secure is refused at configuration (browsers would drop it)', () => {
      assert.throws(() => resolveStateCookie('https://rp.example/r', { path: '/r' }), /__Host-/);
      assert.throws(
        () => resolveStateCookie('https://rp.example/r', { name: '__HOST-x', path: '/r' }),
        /__HOST-x/,
      );
      assert.throws(() => resolveStateCookie('http://rp.example/r', { name: '__Host-x' }), /Secure/);
      assert.throws(() => resolveStateCookie('http://rp.example/r', { name: '__Secure-x' }), /Secure/);
    });
    test('the app can opt out by naming the cookie without the prefix', () => {
      const c = resolveStateCookie('https://rp.example/r', { name: 'my_state', path: '/r' });
      assert.deepEqual([c.name, c.path, c.secure], ['my_state', '/r', true]);
    });
  });

  describe('several state cookies: the one whose nonce matches the response wins, in either order', () => {
    const RETURN = 'http://rp.example/login/return';
    async function world() {
      const op = new FakeOP();
      const rp = new RelyingParty({
        realm: 'http://rp.example/',
        returnTo: RETURN,
        secret: 'x'.repeat(40),
        fetcher: op.fetcher,
        store: new TestStore(),
      });
      // The victim's login, and the attacker's own login whose state cookie the attacker tossed.
      const victim = await rp.begin('https://alice.example/');
      const tossed = await rp.begin('https://alice.example/');
      const victimReturn = FakeOP.returnUrl(op.assertion(FakeOP.request(victim.redirectUrl)));
      return { rp, victim, tossed, victimReturn };
    }
    const request = (url: string, cookie: string) => ({
      method: 'GET',
      url,
      header: (n: string) => (n.toLowerCase() === 'cookie' ? cookie : null),
      form: null,
    });

    test('tossed cookie first, victim second: success (the first is not taken)', async () => {
      const { rp, victim, tossed, victimReturn } = await world();
      const out = await finishLogin(
        rp,
        request(victimReturn, `openid2_state=${tossed.state}; openid2_state=${victim.state}`),
      );
      assert.ok('result' in out);
      assert.equal(out.result.status, 'success', JSON.stringify(out.result));
    });
    test('victim first, tossed second: success', async () => {
      const { rp, victim, tossed, victimReturn } = await world();
      const out = await finishLogin(
        rp,
        request(victimReturn, `openid2_state=${victim.state}; openid2_state=${tossed.state}`),
      );
      assert.ok('result' in out);
      assert.equal(out.result.status, 'success', JSON.stringify(out.result));
    });
    test('selectState picks by nonce in both orders, and skips a forged token that claims the nonce', async () => {
      const { rp, victim, tossed, victimReturn } = await world();
      assert.equal(rp.selectState([tossed.state, victim.state], victimReturn), victim.state);
      assert.equal(rp.selectState([victim.state, tossed.state], victimReturn), victim.state);
      const forged = `${victim.state.slice(0, -2)}AA`;
      assert.equal(rp.selectState([forged, tossed.state, victim.state], victimReturn), victim.state);
    });
    test('only tossed cookies (none for this login): the login fails on its binding, both orders', async () => {
      const { rp, tossed, victimReturn } = await world();
      const other = await rp.begin('https://alice.example/');
      for (const cookie of [
        `openid2_state=${tossed.state}; openid2_state=${other.state}`,
        `openid2_state=${other.state}; openid2_state=${tossed.state}`,
      ]) {
        const out = await finishLogin(rp, request(victimReturn, cookie));
        assert.ok('result' in out);
        assert.equal(out.result.status, 'failure');
        assert.equal((out.result as { code: string }).code, 'session_binding_failed');
      }
    });
    test('selectState finds nothing for a URL without a nonce', async () => {
      const { rp, victim } = await world();
      assert.equal(rp.selectState([victim.state], RETURN), undefined);
    });
  });

  describe('one Cookie parser', () => {
    test('keeps duplicates in order, skips broken parts, does not decode', () => {
      assert.deepEqual(parseCookieHeader('a=1; broken; =x; b="q"; a=2; c=%41'), [
        { name: 'a', value: '1' },
        { name: 'b', value: 'q' },
        { name: 'a', value: '2' },
        { name: 'c', value: '%41' },
      ]);
      assert.deepEqual(cookieValues('a=1;a=;a=3', 'a'), ['1', '3']);
      assert.deepEqual(cookieValues(undefined, 'a'), []);
    });
    test('names are exact: a differently cased or prefixed name is another cookie', () => {
      const c = resolveStateCookie('https://rp.example/r');
      assert.deepEqual(
        readStateCookies(c, '__host-openid2_state=a; openid2_state=b; __Host-openid2_state=c'),
        ['c'],
      );
    });
  });
});
