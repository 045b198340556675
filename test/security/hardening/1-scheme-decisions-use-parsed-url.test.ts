/**
 * Issue 18, item 1: every scheme decision uses the parsed URL, never a string
 * prefix. The reported attack: a provider endpoint written `HTTP://…` passed
 * `endpoint.startsWith('http:')` as "not http" and then answered a
 * `no-encryption` associate with the MAC key in clear (OpenID 2.0 §8.4.1).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SessionNegotiator } from '../../../src/associations/negotiation.js';
import { checkEntry } from '../../../src/background/queue.js';
import { isHttpUrl } from '../../../src/extensions/syntax.js';
import { Provider } from '../../../src/op/provider.js';
import { OPENID2_NS } from '../../../src/protocol/constants.js';
import { OpenIDError, ProtocolError } from '../../../src/protocol/errors.js';
import { isHttpsUrl, webScheme } from '../../../src/protocol/url-scheme.js';
import { RelyingParty } from '../../../src/rp/relying-party.js';
import { MemoryStore } from '../../../src/stores/memory.js';
import { FakeOP, OP, TestStore } from '../../helpers/fake-op.js';

/** Spellings of a plain-http endpoint that a string prefix misreads. */
const PLAIN_HTTP_SPELLINGS = [
  'http://op.example/openid',
  'HTTP://op.example/openid',
  'Http://op.example/openid',
  'hTtP://op.example/openid',
  ' http://op.example/openid',
  '\thttp://op.example/openid',
  'http:op.example/openid',
  'HTTP:\\\\op.example\\openid',
];

/** Spellings of an https endpoint (each parses to https). */
const HTTPS_SPELLINGS = [
  'https://op.example/openid',
  'HTTPS://op.example/openid',
  'HttpS://op.example/openid',
  ' https://op.example/openid',
];

const associate = {
  'openid.ns': OPENID2_NS,
  'openid.mode': 'associate',
  'openid.assoc_type': 'HMAC-SHA256',
  'openid.session_type': 'no-encryption',
};

describe('issue 18 item 1: scheme decisions on the parsed URL', () => {
  describe('provider refuses no-encryption associate over plain http, however http is spelled', () => {
    for (const endpoint of PLAIN_HTTP_SPELLINGS) {
      test(`endpoint ${JSON.stringify(endpoint)}: unsupported-type, no key in clear`, () => {
        const op = new Provider({ endpoint, store: new MemoryStore() });
        assert.throws(
          () => op.decodeRequest(associate),
          (e: unknown) => e instanceof ProtocolError && /plain http/.test(e.message),
        );
      });
    }
    for (const endpoint of HTTPS_SPELLINGS) {
      test(`endpoint ${JSON.stringify(endpoint)}: no-encryption allowed (https)`, () => {
        const op = new Provider({ endpoint, store: new MemoryStore() });
        assert.equal(op.decodeRequest(associate)?.mode, 'associate');
      });
    }
  });

  test('provider refuses an endpoint that is not http(s) once parsed', () => {
    for (const endpoint of [
      'https-evil://op.example/',
      'javascript:alert(1)',
      'op.example/openid',
      'file:///etc/passwd',
    ]) {
      assert.throws(() => new Provider({ endpoint, store: new MemoryStore() }), OpenIDError, endpoint);
    }
  });

  describe('relying party uses no-encryption only with an https endpoint, however spelled', () => {
    const negotiator = new SessionNegotiator([{ assocType: 'HMAC-SHA256', sessionType: 'no-encryption' }]);
    const pair = { assocType: 'HMAC-SHA256', sessionType: 'no-encryption' } as const;
    for (const endpoint of PLAIN_HTTP_SPELLINGS) {
      test(`refused for ${JSON.stringify(endpoint)}`, () => {
        assert.equal(negotiator.allows(pair, endpoint, '2.0'), false);
      });
    }
    for (const endpoint of HTTPS_SPELLINGS) {
      test(`allowed for ${JSON.stringify(endpoint)}`, () => {
        assert.equal(negotiator.allows(pair, endpoint, '2.0'), true);
      });
    }
    test('refused for a scheme that merely starts with "https" (https-evil:, httpsx:)', () => {
      assert.equal(negotiator.allows(pair, 'https-evil://op.example/', '2.0'), false);
      assert.equal(negotiator.allows(pair, 'httpsx://op.example/', '2.0'), false);
    });
  });

  test('association queue accepts upper-case http(s) endpoints and refuses other schemes', () => {
    assert.equal(
      checkEntry({ opEndpoint: 'HTTPS://op.example/', version: '2.0' }).opEndpoint,
      'HTTPS://op.example/',
    );
    assert.throws(() => checkEntry({ opEndpoint: 'gopher://op.example/', version: '2.0' }), TypeError);
    assert.throws(() => checkEntry({ opEndpoint: 'https-evil://op.example/', version: '2.0' }), TypeError);
  });

  test('extension links: http(s) in any case, never javascript: or data:', () => {
    assert.equal(isHttpUrl('HTTPS://img.example/a.png'), true);
    assert.equal(isHttpUrl('javascript:alert(1)'), false);
    assert.equal(isHttpUrl('JAVASCRIPT:alert(1)'), false);
    assert.equal(isHttpUrl('data:text/html,x'), false);
    assert.equal(isHttpUrl('https://img.example/a b'), false);
  });

  test('webScheme / isHttpsUrl read the parsed scheme', () => {
    assert.equal(webScheme('HTTP://a.example/'), 'http');
    assert.equal(webScheme('HtTpS://a.example/'), 'https');
    assert.equal(webScheme('https-evil://a.example/'), null);
    assert.equal(webScheme('/relative'), null);
    assert.equal(webScheme('http://'), null);
    assert.equal(isHttpsUrl('HTTPS://a.example/'), true);
    assert.equal(isHttpsUrl('http://a.example/'), false);
    assert.equal(isHttpsUrl('https%3A//a.example/'), false);
  });
});

describe('issue 18 item 1: allowedProviders compares endpoints as URIs', () => {
  async function loginWith(allowedProviders: string[]) {
    const op = new FakeOP();
    const rp = new RelyingParty({
      realm: 'https://rp.example/',
      returnTo: 'https://rp.example/return',
      secret: 'x'.repeat(40),
      fetcher: op.fetcher,
      store: new TestStore(),
      allowedProviders,
    });
    const auth = await rp.begin('https://alice.example/');
    const url = FakeOP.returnUrl(op.assertion(FakeOP.request(auth.redirectUrl)));
    return rp.complete(url, { state: auth.state });
  }
  for (const spelling of [
    OP,
    OP.toUpperCase().replace('/SERVER', '/server'),
    OP.replace('.example/', '.example:443/'),
    OP.replace('op.', '%6Fp.'),
  ]) {
    test(`allowed as ${spelling}: the provider at ${OP} is accepted`, async () => {
      assert.equal((await loginWith([spelling])).status, 'success');
    });
  }
  for (const other of [
    'https://op.example.evil/server',
    'http://op.example/server',
    'https://op.example/server/',
    'https://op.example/SERVER',
  ]) {
    test(`allowed only ${other}: the provider at ${OP} is refused`, async () => {
      await assert.rejects(loginWith([other]), /no discovered provider is allowed/);
    });
  }
});
