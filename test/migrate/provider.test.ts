import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Fetcher } from '../../src/discovery/fetcher.js';
import {
  checkAdvertisedReturnTo,
  checkOpenID2Realm,
  checkRedirectUriInRealm,
  issuerDocument,
  openid2IdClaim,
  parseOpenID2Realm,
  wantsIssuerDocument,
} from '../../src/migrate/index.js';
import { Realm } from '../../src/protocol/realm.js';

// Provider rules of Migration 1.0 §3, §4 and the identity page's §6 answer.

const codeOf = (v: { ok: boolean; code?: string }) => (v.ok ? 'ok' : v.code);

describe('parseOpenID2Realm (§3 step 1)', () => {
  for (const [text, want] of [
    ['https://rp.example/', 'ok'],
    ['https://*.rp.example/', 'ok'],
    ['not a realm', 'realm_invalid'],
    ['https://rp.example/#frag', 'realm_invalid'],
    ['ftp://rp.example/', 'realm_invalid'],
    ['https://*.com/', 'realm_insane'],
    ['https://*.co.uk/', 'realm_insane'],
  ] as const) {
    test(`${text} -> ${want}`, () => assert.equal(codeOf(parseOpenID2Realm(text)), want));
  }
});

describe('checkRedirectUriInRealm (§3 step 2, OpenID 2.0 §9.2 matching)', () => {
  for (const [realm, uri, want] of [
    ['https://rp.example/', 'https://rp.example/cb', 'ok'],
    ['https://*.rp.example/', 'https://app.rp.example/cb', 'ok'],
    ['https://rp.example/app/', 'https://rp.example/app/cb', 'ok'],
    ['https://rp.example/app/', 'https://rp.example/other/cb', 'redirect_uri_outside_realm'],
    ['https://rp.example/app', 'https://rp.example/application/cb', 'redirect_uri_outside_realm'],
    ['https://rp.example/', 'http://rp.example/cb', 'redirect_uri_outside_realm'],
    ['https://rp.example/', 'https://evil.example/cb', 'redirect_uri_outside_realm'],
    ['https://rp.example/', 'https://rp.example.evil.example/cb', 'redirect_uri_outside_realm'],
    ['https://rp.example/', 'https://rp.example:8443/cb', 'redirect_uri_outside_realm'],
  ] as const) {
    test(`${uri} in ${realm} -> ${want}`, () => {
      const parsed = Realm.parse(realm);
      assert.ok(parsed);
      assert.equal(codeOf(checkRedirectUriInRealm(parsed, uri)), want);
    });
  }
});

describe('checkAdvertisedReturnTo (§3 step 3, relying-party discovery)', () => {
  test('accepts a redirect_uri the realm advertises', () => {
    assert.equal(codeOf(checkAdvertisedReturnTo(['https://rp.example/cb'], 'https://rp.example/cb')), 'ok');
  });
  test('refuses when nothing is advertised', () => {
    assert.equal(codeOf(checkAdvertisedReturnTo([], 'https://rp.example/cb')), 'rp_discovery_failed');
  });
  test('refuses a redirect_uri the realm does not advertise', () => {
    assert.equal(
      codeOf(checkAdvertisedReturnTo(['https://rp.example/cb'], 'https://rp.example/evil/cb')),
      'rp_discovery_no_match',
    );
  });
});

/** A fetcher serving one XRDS at one URL, counting calls. */
function xrdsFetcher(at: string, returnTos: string[]): Fetcher & { calls: number } {
  const xrds = `<?xml version="1.0"?><xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service><Type>http://specs.openid.net/auth/2.0/return_to</Type>${returnTos.map((u) => `<URI>${u}</URI>`).join('')}</Service></XRD></xrds:XRDS>`;
  const f = (async (url: string) => {
    f.calls++;
    const ok = url === at;
    const body = new TextEncoder().encode(ok ? xrds : 'nope');
    return {
      url,
      status: ok ? 200 : 404,
      headers: new Headers({ 'content-type': ok ? 'application/xrds+xml' : 'text/plain' }),
      body,
      text: () => new TextDecoder().decode(body),
    };
  }) as Fetcher & { calls: number };
  f.calls = 0;
  return f;
}

describe('checkOpenID2Realm (§3 pipeline)', () => {
  const realm = 'https://rp.example/';
  test('with no openid2_realm there is nothing to check and nothing is fetched', async () => {
    const fetcher = xrdsFetcher(realm, []);
    const v = await checkOpenID2Realm({
      openid2Realm: undefined,
      redirectUri: 'https://rp.example/cb',
      fetcher,
    });
    assert.deepEqual(v, { ok: true, value: { realm: null, relyingPartyDiscovery: 'not-run' } });
    assert.equal(fetcher.calls, 0);
  });
  test('accepts a redirect_uri within the realm that relying-party discovery advertises', async () => {
    const v = await checkOpenID2Realm({
      openid2Realm: realm,
      redirectUri: 'https://rp.example/cb',
      fetcher: xrdsFetcher(realm, ['https://rp.example/cb']),
    });
    assert.deepEqual(v, { ok: true, value: { realm, relyingPartyDiscovery: 'verified' } });
  });
  test('refuses a redirect_uri outside the realm before fetching, with an invalid_request response', async () => {
    const fetcher = xrdsFetcher(realm, ['https://evil.example/cb']);
    const v = await checkOpenID2Realm({
      openid2Realm: realm,
      redirectUri: 'https://evil.example/cb',
      fetcher,
    });
    assert.equal(v.ok, false);
    assert.ok(!v.ok);
    assert.equal(v.code, 'redirect_uri_outside_realm');
    assert.equal(v.errorResponse.error, 'invalid_request');
    assert.match(v.errorResponse.error_description, /not within openid2_realm/);
    assert.equal(fetcher.calls, 0);
  });
  test('refuses a realm whose discovery does not advertise the redirect_uri, in both modes', async () => {
    for (const mode of ['required', 'when-available'] as const) {
      const v = await checkOpenID2Realm({
        openid2Realm: realm,
        redirectUri: 'https://rp.example/other-app/cb',
        fetcher: xrdsFetcher(realm, ['https://rp.example/cb']),
        relyingPartyDiscovery: mode,
      });
      assert.equal(codeOf(v), 'rp_discovery_no_match', mode);
    }
  });
  test('a realm without XRDS is refused by default and accepted when-available', async () => {
    const fetcher = xrdsFetcher('https://elsewhere.example/', []);
    const strict = await checkOpenID2Realm({
      openid2Realm: realm,
      redirectUri: 'https://rp.example/cb',
      fetcher,
    });
    assert.equal(codeOf(strict), 'rp_discovery_failed');
    const lax = await checkOpenID2Realm({
      openid2Realm: realm,
      redirectUri: 'https://rp.example/cb',
      fetcher,
      relyingPartyDiscovery: 'when-available',
    });
    assert.deepEqual(lax, { ok: true, value: { realm, relyingPartyDiscovery: 'unavailable' } });
  });
  test('an invalid realm is a verdict, not a throw', async () => {
    const v = await checkOpenID2Realm({ openid2Realm: '::', redirectUri: 'https://rp.example/cb' });
    assert.equal(codeOf(v), 'realm_invalid');
  });
});

describe('openid2IdClaim (§4, §4.1)', () => {
  test('carries the identifier', () => {
    assert.deepEqual(openid2IdClaim('https://op.example/id/alice'), {
      openid2_id: 'https://op.example/id/alice',
    });
  });
  test('is empty when the user has no OpenID 2.0 identifier', () => {
    assert.deepEqual(openid2IdClaim(null), {});
    assert.deepEqual(openid2IdClaim(''), {});
  });
});

describe('issuer document (§6, provider side)', () => {
  test('answers {"iss": issuer} as JSON, varying on Accept', () => {
    const doc = issuerDocument('https://op.example');
    assert.equal(doc.status, 200);
    assert.equal(doc.headers['content-type'], 'application/json');
    assert.equal(doc.headers.vary, 'Accept');
    assert.deepEqual(JSON.parse(doc.body), { iss: 'https://op.example' });
  });
  for (const [accept, want] of [
    ['application/json', true],
    ['application/json; q=1, */*', true],
    ['application/xrds+xml', false],
    ['text/html,application/xhtml+xml,*/*;q=0.8', false],
    ['', false],
    [null, false],
  ] as const) {
    test(`wantsIssuerDocument(${JSON.stringify(accept)}) is ${want}`, () =>
      assert.equal(wantsIssuerDocument(accept), want));
  }
});
