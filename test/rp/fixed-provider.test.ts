/**
 * The relying party's `fixedProvider` option (what Steam needs, as named
 * options of the one §11 pipeline): each rule's unit test, and the relying
 * party using them — no discovery fetch for a claimed id, begin() without
 * user input, the exact field list, the check_authentication origin.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FetchRequest, FetchResponse } from '../../src/discovery/fetcher.js';
import { OpenIDError } from '../../src/protocol/errors.js';
import {
  authoritativeEndpoints,
  compileFixedProvider,
  type FixedProviderOptions,
  fixedLoginEndpoint,
  fixedProviderUserId,
  screenFixedProviderFields,
} from '../../src/rp/fixed-provider.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';

const NS = 'http://specs.openid.net/auth/2.0';
const OP = 'https://op.example/openid/login';
const ID = 'https://op.example/openid/id/76561197960435530';
const OPTIONS: FixedProviderOptions = {
  opEndpoint: OP,
  claimedIdPattern: /^https:\/\/op\.example\/openid\/id\/(\d{17})$/,
  claimedIdsWithoutDiscovery: true,
  exactFields: {
    id_res: [
      'ns',
      'mode',
      'op_endpoint',
      'claimed_id',
      'identity',
      'return_to',
      'response_nonce',
      'assoc_handle',
      'signed',
      'sig',
    ],
    cancel: ['ns', 'mode'],
  },
  checkAuthOrigin: 'https://op.example',
};
const fixed = compileFixedProvider(OPTIONS);

function idRes(over: Record<string, string | null> = {}): URL {
  const f: Record<string, string | null> = {
    ns: NS,
    mode: 'id_res',
    op_endpoint: OP,
    claimed_id: ID,
    identity: ID,
    return_to: 'https://rp.example/return',
    response_nonce: '2026-12-06T13:00:00Zabc',
    assoc_handle: '1',
    signed: 'op_endpoint,claimed_id,identity,return_to,response_nonce,assoc_handle',
    sig: 'AAAA',
    ...over,
  };
  const u = new URL('https://rp.example/return');
  for (const [k, v] of Object.entries(f)) if (v !== null) u.searchParams.append(`openid.${k}`, v);
  return u;
}

describe('compileFixedProvider refuses options that would loosen a rule', () => {
  const cases: [string, Partial<FixedProviderOptions>][] = [
    ['an unanchored pattern (no ^)', { claimedIdPattern: /https:\/\/op\.example\/openid\/id\/(\d{17})$/ }],
    ['an unanchored pattern (no $)', { claimedIdPattern: /^https:\/\/op\.example\/openid\/id\/(\d{17})/ }],
    ['a g flag (stateful lastIndex)', { claimedIdPattern: /^x(\d)$/g }],
    ['an m flag (^ and $ match at line breaks)', { claimedIdPattern: /^x(\d)$/m }],
    ['a relative endpoint', { opEndpoint: '/openid/login' }],
    ['claimedIdsWithoutDiscovery not true', { claimedIdsWithoutDiscovery: false as unknown as true }],
  ];
  for (const [name, over] of cases) {
    test(`refuses ${name}`, () => {
      assert.throws(
        () => compileFixedProvider({ ...OPTIONS, ...over }),
        (e: unknown) => e instanceof OpenIDError && e.code === 'invalid_option',
      );
    });
  }
});

describe('fixedProviderUserId and authoritativeEndpoints (claimed ids without discovery)', () => {
  test('the pattern’s group is the user id; near misses have none', () => {
    assert.equal(fixedProviderUserId(fixed, ID), '76561197960435530');
    for (const bad of [
      `${ID}/`,
      `${ID}0`,
      ID.slice(0, -1),
      `${ID}?x=1`,
      `${ID}\n`,
      ID.replace('op.example', 'op.example.evil'),
    ]) {
      assert.equal(fixedProviderUserId(fixed, bad), null, bad);
    }
  });
  test('a matching claimed id has exactly the fixed endpoint; any other has none', () => {
    assert.deepEqual(
      authoritativeEndpoints(fixed, ID).map((e) => [e.opEndpoint, e.claimedId, e.isOpIdentifier]),
      [[OP, ID, false]],
    );
    assert.deepEqual(authoritativeEndpoints(fixed, 'https://evil.example/openid/id/76561197960435530'), []);
  });
  test('the login endpoint is the OP identifier form (identifier_select)', () => {
    const e = fixedLoginEndpoint(fixed);
    assert.equal(e.opEndpoint, OP);
    assert.equal(e.isOpIdentifier, true);
    assert.equal(e.claimedId, null);
  });
});

describe('screenFixedProviderFields (exact fields, each once, no control characters)', () => {
  const cases: [string, URL, string | 'ok'][] = [
    ['a genuine id_res', idRes(), 'ok'],
    [
      'a cancel',
      new URL(`https://rp.example/return?openid.ns=${encodeURIComponent(NS)}&openid.mode=cancel`),
      'ok',
    ],
    ['an extra field', idRes({ 'sreg.email': 'a@b' }), 'unexpected_field'],
    ['an unlisted mode', idRes({ mode: 'setup_needed' }), 'malformed_message'],
    ['ns missing', idRes({ ns: null }), 'ns_mismatch'],
    ['another op_endpoint', idRes({ op_endpoint: `${OP}/` }), 'untrusted_op'],
    [
      'a claimed id of another form',
      idRes({ claimed_id: `${ID}1`, identity: `${ID}1` }),
      'untrusted_claimed_id',
    ],
    [
      'identity different from claimed_id',
      idRes({ identity: ID.replace('530', '531') }),
      'untrusted_claimed_id',
    ],
    [
      'a control character in a value',
      idRes({ return_to: 'https://rp.example/return\u0000' }),
      'malformed_message',
    ],
  ];
  for (const [name, url, expected] of cases) {
    test(`${name}: ${expected}`, () => {
      const v = screenFixedProviderFields(fixed, url, null);
      if (expected === 'ok') assert.deepEqual(v, { ok: true });
      else assert.equal(v.ok ? 'ok' : v.code, expected);
    });
  }
  test('a field twice (attacker first) is refused', () => {
    const u = idRes();
    u.search = `openid.claimed_id=${encodeURIComponent('https://evil.example/')}&${u.search.slice(1)}`;
    const v = screenFixedProviderFields(fixed, u, null);
    assert.equal(v.ok ? 'ok' : v.code, 'malformed_message');
  });
  test('a POST body is screened instead of the query', () => {
    const body = new URLSearchParams(idRes({ extra: 'x' }).search);
    const v = screenFixedProviderFields(fixed, new URL('https://rp.example/return'), body);
    assert.equal(v.ok ? 'ok' : v.code, 'unexpected_field');
  });
});

describe('RelyingParty with fixedProvider', () => {
  function rpWith(requests: { url: string; init?: FetchRequest }[]) {
    return new RelyingParty({
      realm: 'https://rp.example/',
      returnTo: 'https://rp.example/return',
      store: new MemoryStore(),
      associations: 'none',
      secret: 's'.repeat(40),
      fixedProvider: OPTIONS,
      fetcher: async (url, init) => {
        requests.push({ url, ...(init ? { init } : {}) });
        const body = new TextEncoder().encode(`ns:${NS}\nis_valid:true\n`);
        return {
          url,
          status: 200,
          headers: new Headers({ 'content-type': 'text/plain' }),
          body,
          text: () => new TextDecoder().decode(body),
        } satisfies FetchResponse;
      },
    });
  }

  test('begin() needs no user input and fetches nothing; needsUserInput is false', async () => {
    const requests: { url: string }[] = [];
    const rp = rpWith(requests);
    assert.equal(rp.needsUserInput, false);
    const auth = await rp.begin();
    const to = new URL(auth.redirectUrl);
    assert.equal(`${to.origin}${to.pathname}`, OP);
    assert.equal(
      to.searchParams.get('openid.claimed_id'),
      'http://specs.openid.net/auth/2.0/identifier_select',
    );
    assert.equal(requests.length, 0);
  });

  test('complete(): the claimed id is not discovered; the only request is check_authentication, with the origin', async () => {
    const requests: { url: string; init?: FetchRequest }[] = [];
    const rp = rpWith(requests);
    const auth = await rp.begin();
    const returnTo = new URL(auth.redirectUrl).searchParams.get('openid.return_to') as string;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const back = new URL(returnTo);
    for (const [k, v] of idRes({ return_to: returnTo, response_nonce: `${now}x` }).searchParams)
      back.searchParams.append(k, v);
    const result = await rp.complete(back.href, { state: auth.state });
    assert.equal(result.status, 'success', JSON.stringify(result));
    assert.equal(rp.fixedProviderUserId(ID), '76561197960435530');
    assert.deepEqual(
      requests.map((r) => [r.url, r.init?.method, r.init?.headers?.origin]),
      [[OP, 'POST', 'https://op.example']],
    );
  });

  test('a relying party without fixedProvider still needs user input', () => {
    const rp = new RelyingParty({
      realm: 'https://rp.example/',
      returnTo: 'https://rp.example/return',
      secret: 's'.repeat(40),
    });
    assert.equal(rp.needsUserInput, true);
    assert.equal(rp.fixedProviderUserId(ID), null);
  });
});
