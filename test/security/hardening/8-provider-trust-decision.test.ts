/**
 * Issue 18, item 8: one provider call says whether to trust a checkid request
 * and why, and realm sanity follows the Public Suffix List, so `*.github.io`,
 * `*.co.uk`, `*.gouv.fr` are refused (a two-letter-ccTLD heuristic passed the
 * first and the last).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Fetcher, FetchResponse } from '../../../src/discovery/fetcher.js';
import { Provider } from '../../../src/op/provider.js';
import type { CheckIDRequest } from '../../../src/op/requests.js';
import { evaluateRealm, evaluateTrust } from '../../../src/op/trust.js';
import { OPENID2_NS } from '../../../src/protocol/constants.js';
import { FetchError } from '../../../src/protocol/errors.js';
import { Realm } from '../../../src/protocol/realm.js';
import { MemoryStore } from '../../../src/stores/memory.js';

/** Realms over a public suffix (ICANN or private section of the PSL): insane. */
const INSANE = [
  'https://*.github.io/',
  'https://*.GITHUB.IO/',
  'https://*.github.io./',
  'https://*.co.uk/',
  'https://*.CO.UK/',
  'https://*.gouv.fr/',
  'https://*.com.au/',
  'https://*.s3.amazonaws.com/',
  'https://*.herokuapp.com/',
  'https://*.blogspot.com/',
  'https://*.appspot.com/',
  'https://*.com/',
  'http://*.uk/',
  'https://*.xn--p1ai/', // .рф
  'https://co.uk/',
  'https://gouv.fr/',
  'https://*/',
  'https://*.foo.notatld/',
];

/** Realms naming one site. */
const SANE = [
  'https://*.alice.github.io/',
  'https://alice.github.io/',
  'https://github.io/', // a private-section suffix is still GitHub's own site without the wildcard
  'https://*.bar.co.uk/',
  'https://www.impots.gouv.fr/',
  'https://*.service.gouv.fr/',
  'https://*.example.com/',
  'https://rp.example/',
  'http://localhost:8080/',
  'http://127.0.0.1/',
];

const checkidFor = (realm: string, returnTo: string): CheckIDRequest => {
  const op = new Provider({ endpoint: 'https://op.example/openid', store: new MemoryStore() });
  return op.decodeRequest({
    'openid.ns': OPENID2_NS,
    'openid.mode': 'checkid_setup',
    'openid.realm': realm,
    'openid.return_to': returnTo,
  }) as CheckIDRequest;
};

function xrdsFetcher(returnTos: string[] | 'fail'): { fetcher: Fetcher; calls: string[] } {
  const calls: string[] = [];
  const fetcher: Fetcher = async (url) => {
    calls.push(url);
    if (returnTos === 'fail') throw new FetchError('fetch_failed', 'no route', { url });
    const body = `<?xml version="1.0"?><xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD>${returnTos
      .map((u) => `<Service><Type>http://specs.openid.net/auth/2.0/return_to</Type><URI>${u}</URI></Service>`)
      .join('')}</XRD></xrds:XRDS>`;
    const bytes = new TextEncoder().encode(body);
    const res: FetchResponse = {
      url,
      status: 200,
      headers: new Headers({ 'content-type': 'application/xrds+xml' }),
      body: bytes,
      text: () => body,
    };
    return res;
  };
  return { fetcher, calls };
}

describe('issue 18 item 8: provider trust decision', () => {
  describe('realm sanity on the Public Suffix List', () => {
    for (const text of INSANE) {
      test(`insane: ${text}`, () => assert.equal(Realm.parse(text)?.isSane() ?? false, false));
    }
    for (const text of SANE) {
      test(`sane: ${text}`, () => assert.equal(Realm.parse(text)?.isSane(), true));
    }
  });

  describe('evaluateTrust on a decoded request', () => {
    for (const [realm, returnTo] of [
      ['https://*.github.io/', 'https://victim.github.io/return'],
      ['https://*.co.uk/', 'https://shop.co.uk/return'],
      ['https://*.gouv.fr/', 'https://impots.gouv.fr/return'],
    ] as const) {
      test(`${realm} is refused with the realm_sane reason, and nothing is fetched`, async () => {
        const request = checkidFor(realm, returnTo);
        const spy = xrdsFetcher([returnTo]);
        const trust = await evaluateTrust(request, spy.fetcher);
        assert.equal(trust.verdict, 'refuse');
        assert.deepEqual(
          trust.checks.map((c) => [c.rule, c.outcome]),
          [
            ['realm_well_formed', 'passed'],
            ['realm_sane', 'failed'],
            ['return_to_within_realm', 'passed'],
            ['relying_party_discovery', 'skipped'],
          ],
        );
        assert.match(trust.checks[1]?.reason ?? '', /public suffix/);
        assert.deepEqual(spy.calls, []);
      });
    }

    test('a sane realm whose XRDS lists return_to is verified, each rule passed with a reason', async () => {
      const request = checkidFor('https://rp.example/', 'https://rp.example/return?x=1');
      const trust = await evaluateTrust(request, xrdsFetcher(['https://rp.example/return']).fetcher);
      assert.equal(trust.verdict, 'verified');
      assert.ok(trust.checks.every((c) => c.outcome === 'passed' && c.reason.length > 0));
    });

    test('XRDS not listing return_to: unverified, with why', async () => {
      const request = checkidFor('https://rp.example/', 'https://rp.example/return');
      const trust = await evaluateTrust(request, xrdsFetcher(['https://rp.example/other']).fetcher);
      assert.equal(trust.verdict, 'unverified');
      assert.match(trust.checks[3]?.reason ?? '', /does not list return_to/);
    });

    test('discovery that fails on the network: unverified, with the error code in the reason', async () => {
      const request = checkidFor('https://rp.example/', 'https://rp.example/return');
      const trust = await evaluateTrust(request, xrdsFetcher('fail').fetcher);
      assert.equal(trust.verdict, 'unverified');
      assert.equal(trust.checks[3]?.outcome, 'failed');
      assert.match(trust.checks[3]?.reason ?? '', /fetch_failed/);
    });

    test('CheckIDRequest.evaluateTrust uses the provider fetcher (SSRF-guarded: a loopback realm is not fetched)', async () => {
      const request = checkidFor('http://127.0.0.1:9/', 'http://127.0.0.1:9/return');
      const trust = await request.evaluateTrust();
      assert.equal(trust.verdict, 'unverified');
      assert.match(trust.checks[3]?.reason ?? '', /fetch_blocked/);
    });

    test('evaluateRealm (pure): malformed realm, and return_to outside the realm, each with its reason', () => {
      const bad = evaluateRealm({ realm: 'https://*.exa mple/', returnTo: null });
      assert.deepEqual(
        bad.checks.map((c) => c.outcome),
        ['failed', 'skipped', 'skipped'],
      );
      const outside = evaluateRealm({
        realm: 'https://rp.example/app/',
        returnTo: 'https://rp.example/other',
      });
      assert.equal(outside.realm, null);
      assert.equal(outside.checks[2]?.outcome, 'failed');
      assert.match(outside.checks[2]?.reason ?? '', /outside the realm/);
    });
  });
});
