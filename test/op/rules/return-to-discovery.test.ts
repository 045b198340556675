/**
 * Relying-party discovery (spec §13, §9.2.1): each reason
 * `verifyReturnTo()` can give, with a fetcher that serves fixed answers and
 * counts what it is asked.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Fetcher, FetchResponse } from '../../../src/discovery/fetcher.js';
import { returnToDiscovered } from '../../../src/op/rules/return-to-discovery.js';
import { FetchError } from '../../../src/protocol/errors.js';

const REALM = 'https://rp.example/';
const RT = 'https://rp.example/return?x=1';

function xrds(...services: [type: string, uri: string][]): string {
  const body = services
    .map(([type, uri]) => `<Service><Type>${type}</Type><URI>${uri}</URI></Service>`)
    .join('');
  return `<?xml version="1.0"?><xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD>${body}</XRD></xrds:XRDS>`;
}
const RETURN_TO_TYPE = 'http://specs.openid.net/auth/2.0/return_to';
const SIGNON_TYPE = 'http://specs.openid.net/auth/2.0/signon';

interface Served {
  status?: number;
  type?: string;
  body?: string;
  /** The final URL after redirects, when not the one asked for. */
  url?: string;
}

/** A fetcher answering every URL with `served` (or throwing it), recording the URLs asked for. */
function fetcherOf(served: Served | Error): { fetcher: Fetcher; asked: string[] } {
  const asked: string[] = [];
  const fetcher: Fetcher = async (url) => {
    asked.push(url);
    if (served instanceof Error) throw served;
    const text = served.body ?? '';
    const response: FetchResponse = {
      url: served.url ?? url,
      status: served.status ?? 200,
      headers: new Headers({ 'content-type': served.type ?? 'application/xrds+xml' }),
      body: new TextEncoder().encode(text),
      text: () => text,
    };
    return response;
  };
  return { fetcher, asked };
}

describe('returnToDiscovered: refused before any fetch', () => {
  const rows: [string, string, string | null, string, string][] = [
    ['a request without return_to', REALM, null, 'no_return_to', 'the request has no return_to to verify'],
    [
      'a realm that does not parse',
      'ftp://rp.example/',
      RT,
      'realm_invalid',
      'realm is not a valid realm: ftp://rp.example/',
    ],
    [
      'a return_to outside the realm',
      'https://rp.example/app',
      RT,
      'return_to_not_in_realm',
      `return_to ${RT} is not within realm https://rp.example/app`,
    ],
  ];
  for (const [name, realm, returnTo, code, message] of rows) {
    test(`${name}: ${code}, nothing fetched`, async () => {
      const { fetcher, asked } = fetcherOf({ body: xrds([RETURN_TO_TYPE, RT]) });
      assert.deepEqual(await returnToDiscovered(realm, returnTo, fetcher), { ok: false, code, message });
      assert.deepEqual(asked, []);
    });
  }
});

describe('returnToDiscovered: what the realm serves', () => {
  test('an XRDS listing the return_to endpoint verifies it', async () => {
    const { fetcher, asked } = fetcherOf({ body: xrds([RETURN_TO_TYPE, 'https://rp.example/return']) });
    assert.deepEqual(await returnToDiscovered(REALM, RT, fetcher), {
      ok: true,
      value: { discoveryUrl: REALM, endpoints: ['https://rp.example/return'] },
    });
    assert.deepEqual(asked, [REALM]);
  });
  test('a wildcard realm is discovered at www. (§9.2.1)', async () => {
    const { fetcher, asked } = fetcherOf({ body: xrds([RETURN_TO_TYPE, 'https://www.rp.example/return']) });
    const v = await returnToDiscovered('https://*.rp.example/', 'https://www.rp.example/return', fetcher);
    assert.equal(v.ok, true);
    assert.deepEqual(asked, ['https://www.rp.example/']);
  });
  test('a fetch the SSRF guard blocks: fetch_failed, naming the fetch code', async () => {
    const { fetcher } = fetcherOf(new FetchError('fetch_blocked', 'blocked: a private address'));
    assert.deepEqual(await returnToDiscovered(REALM, RT, fetcher), {
      ok: false,
      code: 'fetch_failed',
      message: `relying-party discovery of ${REALM} failed (fetch_blocked): blocked: a private address`,
    });
  });
  test('an HTTP 404: fetch_failed (http_status)', async () => {
    const { fetcher } = fetcherOf({ status: 404, type: 'text/html', body: 'not found' });
    const v = await returnToDiscovered(REALM, RT, fetcher);
    assert.equal(v.ok, false);
    assert.equal(!v.ok && v.code, 'fetch_failed');
    assert.match(!v.ok ? v.message : '', /failed \(http_status\)/);
  });
  test('a realm that redirects elsewhere: discovery_failed (rp_discovery_redirected)', async () => {
    const { fetcher } = fetcherOf({ url: 'https://elsewhere.example/', body: xrds([RETURN_TO_TYPE, RT]) });
    const v = await returnToDiscovered(REALM, RT, fetcher);
    assert.equal(!v.ok && v.code, 'discovery_failed');
    assert.match(!v.ok ? v.message : '', /failed \(rp_discovery_redirected\)/);
  });
  test('an XRDS that does not parse: discovery_failed', async () => {
    const { fetcher } = fetcherOf({ body: '<xrds:XRDS xmlns:xrds="xri://$xrds"><unclosed>' });
    const v = await returnToDiscovered(REALM, RT, fetcher);
    assert.equal(!v.ok && v.code, 'discovery_failed');
  });
  test('an HTML page without an XRDS: no_discovery_document', async () => {
    const { fetcher } = fetcherOf({ type: 'text/html', body: '<html><head><title>RP</title></head></html>' });
    assert.deepEqual(await returnToDiscovered(REALM, RT, fetcher), {
      ok: false,
      code: 'no_discovery_document',
      message: `the realm ${REALM} serves no XRDS`,
    });
  });
  test('an XRDS without a return_to service: no_return_to_endpoints', async () => {
    const { fetcher } = fetcherOf({ body: xrds([SIGNON_TYPE, 'https://op.example/openid']) });
    assert.deepEqual(await returnToDiscovered(REALM, RT, fetcher), {
      ok: false,
      code: 'no_return_to_endpoints',
      message: `the realm's XRDS lists no return_to endpoint`,
    });
  });
  test('an XRDS listing other return_to endpoints: return_to_not_listed', async () => {
    const { fetcher } = fetcherOf({ body: xrds([RETURN_TO_TYPE, 'https://rp.example/other']) });
    assert.deepEqual(await returnToDiscovered(REALM, RT, fetcher), {
      ok: false,
      code: 'return_to_not_listed',
      message: `the realm's XRDS does not list return_to ${RT}`,
    });
  });
  test('a listed wildcard matches nothing (an endpoint is a URL, not a pattern)', async () => {
    const { fetcher } = fetcherOf({ body: xrds([RETURN_TO_TYPE, 'https://*.rp.example/']) });
    const v = await returnToDiscovered(REALM, RT, fetcher);
    assert.equal(!v.ok && v.code, 'return_to_not_listed');
  });
  test('a bug in the fetcher (not an OpenIDError) is thrown, not reported as a reason', async () => {
    const { fetcher } = fetcherOf(new TypeError('boom'));
    await assert.rejects(returnToDiscovered(REALM, RT, fetcher), { name: 'TypeError', message: 'boom' });
  });
});
