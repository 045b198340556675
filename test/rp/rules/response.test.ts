/** Reading the response (src/rp/rules/response.ts): the URL, the fixed provider's screening, the message. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileFixedProvider } from '../../../src/rp/fixed-provider.js';
import { currentUrlOf, parseResponse, readResponse } from '../../../src/rp/rules/response.js';
import { NS2, outcome } from './fixtures.js';

const BASE = 'https://rp.example/return';

describe('currentUrlOf', () => {
  const rows: [string, string][] = [
    ['https://rp.example/return?a=1', 'ok'],
    ['http://localhost:8080/r', 'ok'],
    ['/return?a=1', 'malformed_message'],
    ['', 'malformed_message'],
    ['not a url', 'malformed_message'],
  ];
  for (const [url, expected] of rows) {
    test(`${JSON.stringify(url)} → ${expected}`, () => assert.equal(outcome(currentUrlOf(url)), expected));
  }
  test('the refusal says the URL is not absolute', () => {
    assert.deepEqual(currentUrlOf('/x'), {
      ok: false,
      code: 'malformed_message',
      message: 'the current URL is not an absolute URL',
    });
  });
});

describe('parseResponse', () => {
  test('from the query when there is no body', () => {
    const v = parseResponse(new URL(`${BASE}?openid.ns=${encodeURIComponent(NS2)}&openid.mode=cancel`), null);
    assert.equal(v.ok && v.value.getWire('openid.mode'), 'cancel');
  });
  test('from a string body', () => {
    const v = parseResponse(new URL(BASE), `openid.ns=${encodeURIComponent(NS2)}&openid.mode=id_res`);
    assert.equal(v.ok && v.value.getWire('openid.mode'), 'id_res');
  });
  test('from a URLSearchParams body', () => {
    const v = parseResponse(new URL(BASE), new URLSearchParams({ 'openid.ns': NS2, 'openid.mode': 'error' }));
    assert.equal(v.ok && v.value.getWire('openid.mode'), 'error');
  });
  test('from a parsed form (record) body', () => {
    const v = parseResponse(new URL(BASE), { 'openid.ns': NS2, 'openid.mode': 'setup_needed' });
    assert.equal(v.ok && v.value.getWire('openid.mode'), 'setup_needed');
  });
  test('the body wins: openid.* in the query too is refused', () => {
    const v = parseResponse(new URL(`${BASE}?openid.mode=id_res`), { 'openid.mode': 'cancel' });
    assert.deepEqual(v, {
      ok: false,
      code: 'malformed_message',
      message: 'openid.* fields in both the query and the body',
    });
  });
  test('a body with a non-OpenID query (the app’s own parameters) is read', () => {
    const v = parseResponse(new URL(`${BASE}?sid=S`), { 'openid.ns': NS2, 'openid.mode': 'cancel' });
    assert.equal(outcome(v), 'ok');
  });
  test('an unknown openid.ns is ns_mismatch', () => {
    const v = parseResponse(new URL(BASE), { 'openid.ns': 'http://bogus.example/', 'openid.mode': 'id_res' });
    assert.equal(outcome(v), 'ns_mismatch');
  });
  test('a repeated field is malformed_message', () => {
    const v = parseResponse(new URL(BASE), { 'openid.mode': ['id_res', 'cancel'] });
    assert.equal(outcome(v), 'malformed_message');
  });
  test('two aliases for one namespace is malformed_message', () => {
    const v = parseResponse(new URL(BASE), {
      'openid.ns': NS2,
      'openid.ns.a': 'urn:x',
      'openid.ns.b': 'urn:x',
    });
    assert.equal(outcome(v), 'malformed_message');
  });
});

describe('readResponse', () => {
  const fixed = compileFixedProvider({
    opEndpoint: 'https://op.example/login',
    claimedIdPattern: /^https:\/\/op\.example\/id\/(\d+)$/,
    claimedIdsWithoutDiscovery: true,
    exactFields: { cancel: ['ns', 'mode'] },
  });
  test('without a fixed provider: URL and message', () => {
    const v = readResponse(`${BASE}?openid.ns=${encodeURIComponent(NS2)}&openid.mode=cancel`, null, null);
    assert.equal(v.ok && v.value.url.pathname, '/return');
    assert.equal(v.ok && v.value.message.getWire('openid.mode'), 'cancel');
  });
  test('a relative URL is refused before anything else', () => {
    assert.equal(outcome(readResponse('/return', null, fixed)), 'malformed_message');
  });
  test('with a fixed provider, a field it does not send is refused by screening', () => {
    const url = `${BASE}?openid.ns=${encodeURIComponent(NS2)}&openid.mode=cancel&openid.extra=1`;
    assert.equal(outcome(readResponse(url, null, fixed)), 'unexpected_field');
  });
  test('with a fixed provider, a screened answer is then parsed', () => {
    const url = `${BASE}?openid.ns=${encodeURIComponent(NS2)}&openid.mode=cancel`;
    assert.equal(outcome(readResponse(url, null, fixed)), 'ok');
  });
  test('with a fixed provider, a control character in a value is refused by screening', () => {
    const url = `${BASE}?openid.ns=${encodeURIComponent(NS2)}&openid.mode=cancel%01`;
    assert.equal(outcome(readResponse(url, null, fixed)), 'malformed_message');
  });
});
