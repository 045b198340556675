/**
 * Web Request/Response handlers: a full login against this package's
 * Provider over HTTP on 127.0.0.1, each failure path, the state cookie, and
 * the login-CSRF (SE-04) and Referer-leak (SE-06) defences; and the provider
 * handler serving a relying party end to end.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { nodeListener } from '../../src/adapters/node-http.js';
import {
  providerHandler,
  type RpHandlers,
  rpHandlers,
  type UnsuccessfulResult,
} from '../../src/adapters/web.js';
import { AXFetchRequest } from '../../src/extensions/ax.js';
import { identityPageXrds } from '../../src/op/identity-pages.js';
import { Provider } from '../../src/op/provider.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';

const RP = 'http://127.0.0.1:9';
const SECRET = 's'.repeat(40);

function cookieOf(res: Response): string {
  const set = res.headers.getSetCookie().find((c) => /^openid2_state\.[0-9a-f]{16}=v1\./.test(c));
  assert.ok(set, 'a state cookie is set');
  return set.split(';')[0] as string;
}

describe('Web handlers (rpHandlers) against a local provider', () => {
  let ps: ProviderServer;
  let handlers: RpHandlers;
  const signedIn: string[] = [];
  const failed: UnsuccessfulResult[] = [];

  before(async () => {
    ps = await startProviderServer();
    const rp = new RelyingParty({
      realm: `${RP}/`,
      returnTo: `${RP}/login/return`,
      secret: SECRET,
      store: new MemoryStore(),
      fetch: { allowPrivateNetworks: true },
    });
    handlers = rpHandlers(rp, {
      onSuccess: (result) => {
        signedIn.push(result.claimedId as string);
        return '/welcome';
      },
      onFailure: (result) => {
        failed.push(result);
        return '/sorry';
      },
    });
  });
  after(() => ps.close());

  const postLogin = (identifier: string, headers: Record<string, string> = { origin: RP }) =>
    handlers.login(
      new Request(`${RP}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ openid_identifier: identifier }).toString(),
      }),
    );

  async function toProviderAndBack(identifier = `${ps.base}/id/alice`) {
    const start = await postLogin(identifier);
    assert.equal(start.status, 303);
    const cookie = cookieOf(start);
    const back = await browse(start.headers.get('location') as string);
    return { cookie, back };
  }

  const callback = (url: string, cookie: string | null, body?: string) =>
    handlers.callback(
      new Request(url, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          ...(cookie ? { cookie } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(body === undefined ? {} : { body }),
      }),
    );

  test('signs in: 303 to the provider, state in an HttpOnly SameSite=Lax cookie, then 303 after verification (SE-06)', async () => {
    const start = await postLogin(`${ps.base}/id/alice`);
    assert.equal(start.status, 303);
    assert.ok((start.headers.get('location') as string).startsWith(`${ps.base}/op?`));
    const set = start.headers.getSetCookie()[0] as string;
    assert.match(
      set,
      /^openid2_state\.[0-9a-f]{16}=v1\.[^;]+; Path=\/login\/return; Max-Age=600; HttpOnly; SameSite=Lax$/,
    );
    const back = await browse(start.headers.get('location') as string);
    assert.ok(back.url.startsWith(`${RP}/login/return?`));
    const done = await callback(back.url, cookieOf(start));
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), '/welcome');
    assert.equal(done.headers.get('referrer-policy'), 'no-referrer');
    assert.match(
      done.headers.getSetCookie()[0] as string,
      /^openid2_state\.[0-9a-f]{16}=used; Path=\/login\/return; Max-Age=600/,
    );
    assert.equal(signedIn.at(-1), `${ps.base}/id/alice`);
  });

  test('a replayed return URL fails with nonce_replay', async () => {
    const { cookie, back } = await toProviderAndBack();
    assert.equal((await callback(back.url, cookie)).headers.get('location'), '/welcome');
    const again = await callback(back.url, cookie);
    assert.equal(again.headers.get('location'), '/sorry');
    assert.equal(again.headers.get('referrer-policy'), 'no-referrer');
    assert.deepEqual(failed.at(-1), { ...failed.at(-1), status: 'failure', code: 'nonce_replay' });
  });

  test('a tampered return (claimed id swapped) fails and never reaches onSuccess', async () => {
    const before = signedIn.length;
    const { cookie, back } = await toProviderAndBack();
    const url = new URL(back.url);
    url.searchParams.set('openid.claimed_id', `${ps.base}/id/mallory`);
    url.searchParams.set('openid.identity', `${ps.base}/id/mallory`);
    const done = await callback(url.toString(), cookie);
    assert.equal(done.headers.get('location'), '/sorry');
    assert.equal(failed.at(-1)?.status, 'failure');
    assert.equal(signedIn.length, before);
  });

  test('a return without the state cookie fails (unsolicited_rejected)', async () => {
    const { back } = await toProviderAndBack();
    await callback(back.url, null);
    assert.equal((failed.at(-1) as { code?: string }).code, 'unsolicited_rejected');
  });

  test('a state cookie from another relying party secret fails (state_invalid)', async () => {
    const { cookie, back } = await toProviderAndBack();
    const [name, value] = cookie.split('=') as [string, string];
    const parts = value.split('.');
    const forged = `${name}=${parts[0]}.${parts[1]}.${'A'.repeat((parts[2] as string).length)}`;
    await callback(back.url, forged);
    assert.equal((failed.at(-1) as { code?: string }).code, 'state_invalid');
  });

  test('cancel at the provider reaches onFailure as cancel', async () => {
    ps.decision = 'deny';
    try {
      const { cookie, back } = await toProviderAndBack();
      const done = await callback(back.url, cookie);
      assert.equal(done.headers.get('location'), '/sorry');
      assert.deepEqual(failed.at(-1), { status: 'cancel' });
    } finally {
      ps.decision = 'allow';
    }
  });

  test('a form-POSTed assertion is read from the body', async () => {
    const { cookie, back } = await toProviderAndBack();
    const url = new URL(back.url);
    const body = new URLSearchParams([...url.searchParams].filter(([k]) => k.startsWith('openid.')));
    for (const k of [...url.searchParams.keys()]) if (k.startsWith('openid.')) url.searchParams.delete(k);
    const done = await callback(url.toString(), cookie, body.toString());
    assert.equal(done.headers.get('location'), '/welcome');
  });

  test('SE-04: GET /login is refused (405) unless allowGetLogin', async () => {
    const res = await handlers.login(
      new Request(`${RP}/login?openid_identifier=${encodeURIComponent(ps.base)}`),
    );
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'POST');
    assert.equal(res.headers.getSetCookie().length, 0);
  });

  test('SE-04: a cross-site POST, or one with no Origin/Referer at all, is refused (403) before discovery', async () => {
    let hits = 0;
    const probe = createServer((_req, res) => {
      hits++;
      res.end('no OpenID here');
    });
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/`;
    try {
      for (const headers of [
        { origin: 'https://evil.example' },
        {},
        { referer: 'https://evil.example/page' },
        { origin: 'null' },
        { 'sec-fetch-site': 'cross-site' },
      ]) {
        const res = await postLogin(target, headers);
        assert.equal(res.status, 403, JSON.stringify(headers));
        assert.equal(res.headers.getSetCookie().length, 0);
      }
      assert.equal(hits, 0, 'no refused login fetched the identifier');
      const sameSite = await postLogin(target, { 'sec-fetch-site': 'same-origin' });
      assert.equal(sameSite.status, 400, 'a same-site login does discover (and finds nothing)');
      assert.ok(hits > 0);
    } finally {
      await new Promise<void>((r) => probe.close(() => r()));
    }
  });

  test('a login with no identifier is 400; an undiscoverable one is 400 with the discovery code', async () => {
    assert.equal((await postLogin('')).status, 400);
    const res = await postLogin(`${ps.base}/nothing-here`);
    assert.equal(res.status, 400);
  });

  test('the default failure answer is a 401 plain-text reason with no-referrer', async () => {
    const ps2 = ps;
    const rp = new RelyingParty({
      realm: `${RP}/`,
      returnTo: `${RP}/login/return`,
      secret: SECRET,
      fetch: { allowPrivateNetworks: true },
    });
    const h = rpHandlers(rp, { onSuccess: () => '/' });
    const res = await h.callback(
      new Request(
        `${RP}/login/return?openid.ns=${encodeURIComponent('http://specs.openid.net/auth/2.0')}&openid.mode=id_res`,
      ),
    );
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.match(await res.text(), /^Sign-in failed \([a-z_]+\)\.\n$/);
    assert.ok(ps2);
  });

  test('a request too long for a URL goes as an auto-submitting form; allowedOrigins admits another origin', async () => {
    const rp = new RelyingParty({
      realm: `${RP}/`,
      returnTo: `${RP}/login/return`,
      secret: SECRET,
      fetch: { allowPrivateNetworks: true },
    });
    const ax = new AXFetchRequest();
    for (let i = 0; i < 40; i++) ax.add(`https://attributes.example/a-rather-long-attribute-type/${i}`);
    const h = rpHandlers(rp, {
      onSuccess: () => '/',
      beginOptions: { extensions: [ax] },
      allowedOrigins: ['https://www.rp.example'],
    });
    const res = await h.login(
      new Request(`${RP}/login`, {
        method: 'POST',
        headers: { origin: 'https://www.rp.example', 'content-type': 'application/x-www-form-urlencoded' },
        body: `openid_identifier=${encodeURIComponent(`${ps.base}/id/alice`)}`,
      }),
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await res.text(), new RegExp(`<form[^>]+action="${ps.base}/op"`));
    assert.match(res.headers.getSetCookie()[0] as string, /^openid2_state\.[0-9a-f]{16}=v1\./);
  });

  test('Secure is set on the cookie when return_to is https', async () => {
    const rp = new RelyingParty({
      realm: 'https://rp.example/',
      returnTo: 'https://rp.example/return',
      secret: SECRET,
      fetch: { allowPrivateNetworks: true },
    });
    const h = rpHandlers(rp, { onSuccess: () => '/' });
    const res = await h.login(
      new Request('https://rp.example/login', {
        method: 'POST',
        headers: { origin: 'https://rp.example', 'content-type': 'application/x-www-form-urlencoded' },
        body: `openid_identifier=${encodeURIComponent(`${ps.base}/id/alice`)}`,
      }),
    );
    assert.equal(res.status, 303);
    assert.match(res.headers.getSetCookie()[0] as string, /; HttpOnly; SameSite=Lax; Secure$/);
  });
});

describe('Web handler (providerHandler) serving a relying party', () => {
  let server: Server;
  let base = '';
  const decided: string[] = [];
  before(async () => {
    let endpoint!: (r: Request) => Promise<Response>;
    server = createServer(
      nodeListener((req) => {
        const url = new URL(req.url);
        if (url.pathname === '/id/bob')
          return new Response(identityPageXrds(`${base}/op`), {
            headers: { 'content-type': 'application/xrds+xml' },
          });
        return endpoint(req);
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const op = new Provider({
      endpoint: `${base}/op`,
      store: new MemoryStore(),
      fetch: { allowPrivateNetworks: true },
      allowNoEncryptionOverHttp: true,
    });
    endpoint = providerHandler(op, {
      authorize: (request) => {
        decided.push(request.claimedId ?? '');
        if (request.claimedId === `${base}/id/bob`) return request.answer(true);
        return new Response('please sign in', { status: 200 });
      },
    });
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('associate, checkid and the return verify end to end; other users get the app page', async () => {
    const rp = new RelyingParty({
      realm: `${RP}/`,
      returnTo: `${RP}/return`,
      secret: SECRET,
      store: new MemoryStore(),
      fetch: { allowPrivateNetworks: true },
    });
    const auth = await rp.begin(`${base}/id/bob`);
    assert.equal(auth.usesAssociation, true);
    const back = await browse(auth.redirectUrl);
    const result = await rp.complete(back.url, { state: auth.state });
    assert.equal(result.status, 'success', JSON.stringify(result));
    assert.equal(result.status === 'success' && result.claimedId, `${base}/id/bob`);
    const page = await fetch(
      `${base}/op?openid.ns=${encodeURIComponent('http://specs.openid.net/auth/2.0')}&openid.mode=checkid_setup&openid.claimed_id=${encodeURIComponent(`${base}/id/eve`)}&openid.identity=${encodeURIComponent(`${base}/id/eve`)}&openid.return_to=${encodeURIComponent(`${RP}/return`)}`,
    );
    assert.equal(await page.text(), 'please sign in');
    const plain = await fetch(`${base}/op`);
    assert.equal(plain.status, 400);
    const bad = await fetch(`${base}/op`, {
      method: 'POST',
      body: new URLSearchParams({ 'openid.mode': 'bogus', 'openid.ns': 'http://specs.openid.net/auth/2.0' }),
    });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /^ns:http:\/\/specs\.openid\.net\/auth\/2\.0\nmode:error\n/m);
  });
});
