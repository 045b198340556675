import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Fetcher } from '../../src/discovery/fetcher.js';
import { verifyOpenID2Id } from '../../src/migrate/index.js';
import { FetchError } from '../../src/protocol/errors.js';

// The §5-§6 pipeline with an in-memory fetcher: rule order, fetch counts, no throws.

const ISS = 'https://op.example';
const ID = 'https://op.example/id/alice';
const good = { iss: ISS, aud: 'rp', sub: 'u1', openid2_id: ID };

type Page = { status?: number; type: string; body: string; url?: string };
function fetcherOf(pages: Record<string, Page | Error>): Fetcher & { urls: string[] } {
  const f = (async (url: string, init?: { headers?: Readonly<Record<string, string>> }) => {
    const accept = init?.headers?.accept ?? '';
    f.urls.push(`${accept.includes('json') ? 'json' : 'other'} ${url}`);
    const page = pages[`${accept.includes('json') ? 'json' : 'xrds'} ${url}`] ?? pages[url];
    if (page instanceof Error) throw page;
    const p = page ?? { status: 404, type: 'text/plain', body: 'not found' };
    const body = new TextEncoder().encode(p.body);
    return {
      url: p.url ?? url,
      status: p.status ?? 200,
      headers: new Headers({ 'content-type': p.type }),
      body,
      text: () => p.body,
    };
  }) as Fetcher & { urls: string[] };
  f.urls = [];
  return f;
}
const json = (iss: string): Page => ({ type: 'application/json', body: JSON.stringify({ iss }) });
const xrds = (endpoint: string): Page => ({
  type: 'application/xrds+xml',
  body: `<?xml version="1.0"?><xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service><Type>http://specs.openid.net/auth/2.0/signon</Type><URI>${endpoint}</URI></Service></XRD></xrds:XRDS>`,
});
const run = (claims: Record<string, unknown>, fetcher: Fetcher, extra: Record<string, unknown> = {}) =>
  verifyOpenID2Id({ claims, issuer: ISS, clientId: 'rp', realm: 'https://rp.example/', fetcher, ...extra });

describe('verifyOpenID2Id', () => {
  test('links by the issuer document with one fetch', async () => {
    const f = fetcherOf({ [`json ${ID}`]: json(ISS) });
    const v = await run(good, f);
    assert.deepEqual(v, {
      ok: true,
      value: {
        openid2Id: ID,
        realm: 'https://rp.example/',
        issuer: ISS,
        subject: 'u1',
        proof: { method: 'issuer-document' },
      },
    });
    assert.deepEqual(f.urls, [`json ${ID}`]);
  });

  test('checks the ID Token before fetching anything', async () => {
    for (const [claims, code] of [
      [{ ...good, iss: 'https://evil.example' }, 'issuer_mismatch'],
      [{ ...good, aud: 'x' }, 'audience_mismatch'],
      [{ ...good, sub: undefined }, 'subject_missing'],
      [{ ...good, openid2_id: undefined }, 'openid2_id_missing'],
      [{ ...good, openid2_id: '=alice' }, 'openid2_id_xri_unsupported'],
    ] as const) {
      const f = fetcherOf({});
      const v = await run(claims, f);
      assert.equal(v.ok ? 'ok' : v.code, code);
      assert.deepEqual(f.urls, []);
    }
  });

  test('refuses a realm that does not parse', async () => {
    const v = await verifyOpenID2Id({
      claims: good,
      issuer: ISS,
      clientId: 'rp',
      realm: 'rp.example',
      fetcher: fetcherOf({}),
    });
    assert.equal(v.ok ? 'ok' : v.code, 'realm_invalid');
  });

  test('uses the first way only for a listed authority, and then needs no issuer document', async () => {
    const f = fetcherOf({ [`xrds ${ID}`]: xrds('https://op.example/openid') });
    const opts = {
      authorizationEndpoint: 'https://op.example/authorize',
      sameAuthorityProviders: ['op.example'],
    };
    const v = await run(good, f, opts);
    assert.ok(v.ok);
    assert.deepEqual(v.value.proof, {
      method: 'endpoint-authority',
      opEndpoint: 'https://op.example/openid',
    });
    assert.ok(f.urls.every((u) => u.startsWith('other ')));
    // Not listed: the same setup is not trusted on authority alone.
    const unlisted = await run(good, fetcherOf({ [`xrds ${ID}`]: xrds('https://op.example/openid') }), {
      ...opts,
      sameAuthorityProviders: ['elsewhere.example'],
    });
    assert.equal(unlisted.ok ? 'ok' : unlisted.code, 'issuer_document_unavailable');
  });

  test('falls back to the issuer document when the first way fails', async () => {
    const f = fetcherOf({ [`xrds ${ID}`]: xrds('https://other.example/openid'), [`json ${ID}`]: json(ISS) });
    const v = await run(good, f, {
      authorizationEndpoint: 'https://op.example/authorize',
      sameAuthorityProviders: ['op.example'],
    });
    assert.ok(v.ok);
    assert.deepEqual(v.value.proof, { method: 'issuer-document' });
  });

  test('an XRI is refused unless an XRI resolver is configured, then verified by forwarding', async () => {
    const xri = { ...good, openid2_id: '=!91F2.8153' };
    const none = await run(xri, fetcherOf({}));
    assert.equal(none.ok ? 'ok' : none.code, 'openid2_id_xri_unsupported');
    const lookup = 'https://xri.example/=!91F2.8153/(+openid_iss)';
    const f = fetcherOf({ [lookup]: { type: 'text/html', body: '', url: `${ISS}/` } });
    const v = await run(xri, f, { xriIssuerResolver: 'https://xri.example/' });
    assert.ok(v.ok, JSON.stringify(v));
    assert.equal(v.value.openid2Id, '=!91F2.8153');
    assert.deepEqual(v.value.proof, { method: 'xri-forwarding' });
    const elsewhere = fetcherOf({ [lookup]: { type: 'text/html', body: '', url: 'https://evil.example/' } });
    const bad = await run(xri, elsewhere, { xriIssuerResolver: 'https://xri.example/' });
    assert.equal(bad.ok ? 'ok' : bad.code, 'xri_issuer_mismatch');
  });

  test('a fetch failure is a verdict, not a throw', async () => {
    const f = fetcherOf({ [ID]: new FetchError('fetch_timeout', 'timed out', { url: ID }) });
    const v = await run(good, f, {
      authorizationEndpoint: 'https://op.example/a',
      sameAuthorityProviders: ['op.example'],
    });
    assert.ok(!v.ok);
    assert.equal(v.code, 'issuer_document_unavailable');
    assert.match(v.message, /discovery on .* failed/);
  });
});
