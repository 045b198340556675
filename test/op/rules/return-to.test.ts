/**
 * The checkid request's return_to (spec §9.1, §9.2): an absolute http(s)
 * URL, without `openid.*` parameters, inside the realm.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  checkReturnToHasNoOpenIDArgs,
  returnToIsWebUrl,
  returnToWithinRealm,
} from '../../../src/op/rules/return-to.js';
import { Realm } from '../../../src/protocol/realm.js';

describe('returnToIsWebUrl (§9.1)', () => {
  for (const url of ['https://rp.example/return', 'http://rp.example:8080/r?x=1', 'HTTPS://RP.example/']) {
    test(`accepts ${url}`, () => assert.deepEqual(returnToIsWebUrl(url), { ok: true }));
  }
  for (const url of [
    'javascript:alert(1)',
    'ftp://rp.example/return',
    '/return',
    'rp.example/return',
    'data:text/html,x',
    '',
  ]) {
    test(`refuses ${JSON.stringify(url)} as return_to_malformed`, () => {
      assert.deepEqual(returnToIsWebUrl(url), {
        ok: false,
        code: 'return_to_malformed',
        message: `return_to is not a valid absolute URL: ${url}`,
      });
    });
  }
});

describe('checkReturnToHasNoOpenIDArgs (§4.1.2, §10.1)', () => {
  for (const url of [
    'https://rp.example/r?openid.claimed_id=x',
    'https://rp.example/r?a=1&OpenID.identity=x',
    'https://rp.example/r?openid_claimed_id=x',
    // openid4java's names pass only exactly as it writes them.
    'https://rp.example/r?openid.rpnonce=x&openid.claimed_id=y',
    'https://rp.example/r?OpenID.rpnonce=x',
    'https://rp.example/r?openid_rpsig=x',
    'https://rp.example/r?openid.rpsig.x=1',
  ]) {
    test(`refuses ${url}`, () => {
      const v = checkReturnToHasNoOpenIDArgs(url);
      assert.equal(v.ok, false);
      assert.equal(!v.ok && v.code, 'return_to_openid_args');
    });
  }
  for (const url of ['https://rp.example/r?openid2.rp_nonce=1', 'https://rp.example/r?janrain_nonce=x']) {
    test(`accepts the relying party's own ${url}`, () => {
      assert.deepEqual(checkReturnToHasNoOpenIDArgs(url), { ok: true });
    });
  }
  test("accepts openid4java's OpenID 1.x consumer nonce and its HMAC (openid.rpnonce, openid.rpsig)", () => {
    const url = 'https://rp.example/r?sid=1&openid.rpnonce=2026-12-06T19%3A33%3A25Z0&openid.rpsig=a2V5%3D';
    assert.deepEqual(checkReturnToHasNoOpenIDArgs(url), { ok: true });
  });
});

describe('returnToWithinRealm (§9.2)', () => {
  const rows: [string, string | null, boolean][] = [
    ['https://rp.example/', 'https://rp.example/return', true],
    ['https://rp.example/app', 'https://rp.example/app', true],
    ['https://rp.example/app', 'https://rp.example/app/return', true],
    ['https://rp.example/app', 'https://rp.example/app?x=1', true],
    ['https://rp.example/app', 'https://rp.example/application', false],
    ['https://*.rp.example/', 'https://www.rp.example/return', true],
    ['https://*.rp.example/', 'https://rp.example/return', true],
    ['https://*.rp.example/', 'https://evil.example/rp.example/', false],
    ['https://rp.example/', 'http://rp.example/return', false],
    ['https://rp.example/', 'https://rp.example:8443/return', false],
    ['https://rp.example/', 'https://www.rp.example/return', false],
    ['https://rp.example/', null, true],
  ];
  for (const [realmText, returnTo, within] of rows) {
    test(`${returnTo ?? '(no return_to)'} ${within ? 'lies within' : 'lies outside'} ${realmText}`, () => {
      const realm = Realm.parse(realmText);
      assert.ok(realm);
      assert.deepEqual(
        returnToWithinRealm(realm, realmText, returnTo),
        within
          ? { ok: true }
          : {
              ok: false,
              code: 'return_to_not_in_realm',
              message: `return_to ${returnTo} is not within realm ${realmText}`,
            },
      );
    });
  }
});
