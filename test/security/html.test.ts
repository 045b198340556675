/**
 * Security cases HT-01 … HT-11 (docs/security-cases.md §17): HTML
 * discovery of hostile identity pages served over real HTTP on 127.0.0.1
 * and discovered the way the relying party does (`discover()`, then
 * `RelyingParty.begin()`). The parser's unit tests and the 72 python-openid
 * linkparse vectors (HT-09) are in test/discovery/html.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { discover } from '../../src/discovery/discover.js';
import { OpenIDError } from '../../src/protocol/errors.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import type { TestServer } from '../discovery/helpers/server.js';
import { type Page, startPages } from './pages.js';

const GOOD = 'https://op.example/server';
const EVIL = 'https://evil.example/op';
const html = (head: string, body = ''): Page => ({
  type: 'text/html',
  body: `<html><head>${head}</head><body>${body}</body></html>`,
});
const link = (rel: string, href: string) => `<link rel="${rel}" href="${href}">`;

const PAGES: Record<string, Page> = {
  '/ht01': html(`<!-- ${link('openid2.provider', EVIL)} -->${link('openid2.provider', GOOD)}`),
  '/ht01-only': html(`<!-- ${link('openid2.provider', EVIL)} -->`),
  '/ht02': html(
    `<script>document.write('${link('openid2.provider', EVIL)}')</script>${link('openid2.provider', GOOD)}`,
  ),
  '/ht02-unclosed': html(`<script>${link('openid2.provider', EVIL)}`),
  '/ht03': html(link('openid2.provider', GOOD), link('openid2.provider', EVIL)),
  '/ht03-only': html('', link('openid2.provider', EVIL)),
  '/ht04': html(
    `${link('xopenid2.providerx', EVIL)}${link('openid2.provider.evil', EVIL)}${link('openid2.provider', GOOD)}`,
  ),
  '/ht05': html(link('openid2.provider openid.server', GOOD)),
  '/ht06': html(link('openid2.provider', 'https://op.example/server?a=1&amp;b=2')),
  '/ht06-js': html(link('openid2.provider', '&#x6a;avascript:alert(1)')),
  '/ht07': html(`${link('openid2.provider', GOOD)}${link('openid2.provider', EVIL)}`),
  '/ht07-after-head': {
    type: 'text/html',
    body: `<html><head>${link('openid2.provider', GOOD)}</head><body></body></html>${link('openid2.provider', EVIL)}`,
  },
  '/ht08-relative': html(link('openid2.provider', '/server')),
  '/ht08-js': html(link('openid2.provider', 'javascript:alert(1)')),
  '/ht08-file': html(link('openid2.provider', 'file:///etc/passwd')),
  '/ht09-case': {
    type: 'text/html',
    body: `<HTML><HEAD><LINK REL=OpenID2.Provider HREF=${GOOD}></HEAD></HTML>`,
  },
  '/ht09-unclosed-comment': html(
    `${link('openid2.provider', GOOD)}<!-- ${link('openid2.local_id', 'https://evil.example/id')}`,
  ),
  '/ht10': html(link('openid2.local_id', 'https://op.example/id/victim')),
  '/ht11': html(link('openid.server', GOOD)),
};

let site: TestServer;
before(async () => {
  site = await startPages(PAGES);
});
after(() => site.close());

const open = { fetch: { allowPrivateNetworks: true } };
const endpointsOf = async (path: string) =>
  (await discover(`${site.base}${path}`, open)).endpoints.map((e) => `${e.version} ${e.opEndpoint}`);
const refusedWith = async (path: string): Promise<string> => {
  try {
    await discover(`${site.base}${path}`, open);
  } catch (e) {
    assert.ok(e instanceof OpenIDError, String(e));
    return e.code;
  }
  assert.fail(`discovery of ${path} should have failed`);
};

describe('HT: hostile identity pages over HTTP', () => {
  test('HT-01 a link inside a comment is ignored', async () => {
    assert.deepEqual(await endpointsOf('/ht01'), [`2.0 ${GOOD}`]);
    assert.equal(await refusedWith('/ht01-only'), 'no_openid_service');
  });

  test('HT-02 a link inside a script, closed or not, is ignored', async () => {
    assert.deepEqual(await endpointsOf('/ht02'), [`2.0 ${GOOD}`]);
    assert.equal(await refusedWith('/ht02-unclosed'), 'no_openid_service');
  });

  test('HT-03 a link in the body (user content) is ignored', async () => {
    assert.deepEqual(await endpointsOf('/ht03'), [`2.0 ${GOOD}`]);
    assert.equal(await refusedWith('/ht03-only'), 'no_openid_service');
  });

  test('HT-04 rel values match whole tokens only', async () => {
    assert.deepEqual(await endpointsOf('/ht04'), [`2.0 ${GOOD}`]);
  });

  test('HT-05 one link may name both versions; 2.0 comes first', async () => {
    assert.deepEqual(await endpointsOf('/ht05'), [`2.0 ${GOOD}`, `1.1 ${GOOD}`]);
  });

  test('HT-06 &amp; is decoded; a numeric reference does not become javascript:', async () => {
    assert.deepEqual(await endpointsOf('/ht06'), ['2.0 https://op.example/server?a=1&b=2']);
    // Other references stay as written (as python-openid's linkparse vectors expect): the text is a
    // relative path on the page's own host, never a javascript: URL.
    const [js] = await endpointsOf('/ht06-js');
    assert.equal(js, `2.0 ${site.base}/&#x6a;avascript:alert(1)`);
    assert.doesNotMatch(js as string, /javascript:/i);
  });

  test('HT-07 the first provider link in the head wins; one after the head is ignored', async () => {
    assert.deepEqual(await endpointsOf('/ht07'), [`2.0 ${GOOD}`]);
    assert.deepEqual(await endpointsOf('/ht07-after-head'), [`2.0 ${GOOD}`]);
  });

  test('HT-08 a relative href resolves against the page; javascript: and file: are html_discovery_invalid', async () => {
    assert.deepEqual(await endpointsOf('/ht08-relative'), [`2.0 ${site.base}/server`]);
    assert.equal(await refusedWith('/ht08-js'), 'html_discovery_invalid');
    assert.equal(await refusedWith('/ht08-file'), 'html_discovery_invalid');
  });

  test('HT-09 upper-case, unquoted markup is read; an unclosed comment hides what follows', async () => {
    assert.deepEqual(await endpointsOf('/ht09-case'), [`2.0 ${GOOD}`]);
    const r = await discover(`${site.base}/ht09-unclosed-comment`, open);
    assert.equal(r.endpoints[0]?.localId, null);
  });

  test('HT-10 a local_id without a provider gives no endpoint', async () => {
    assert.equal(await refusedWith('/ht10'), 'no_openid_service');
  });

  test('HT-11 a 1.1-only page gives an OpenID 1 request carrying the RP nonce in return_to', async () => {
    const rp = new RelyingParty({
      realm: 'http://rp.example/',
      returnTo: 'http://rp.example/return',
      secret: 'k'.repeat(40),
      store: null,
      ...open,
    });
    const auth = await rp.begin(`${site.base}/ht11`);
    const m = Message.fromQuery(auth.redirectUrl);
    assert.equal(m.isOpenID1(), true);
    assert.equal(m.get(OPENID_NS, 'ns'), undefined);
    const returnTo = new URL(m.get(OPENID_NS, 'return_to') as string);
    assert.ok(
      returnTo.searchParams.get('openid2.rp_nonce'),
      'the RP nonce replaces the missing response_nonce (NO-11)',
    );
  });
});
