/**
 * Express: login and return middleware in a real Express 5 app on
 * 127.0.0.1 against this package's Provider over HTTP (with and without a
 * body parser), each failure path, and the provider middleware serving a
 * relying party.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { expressProvider, expressRp } from '../../src/adapters/express.js';
import type { UnsuccessfulResult } from '../../src/adapters/web.js';
import { identityPageXrds } from '../../src/op/identity-pages.js';
import { Provider } from '../../src/op/provider.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import { loginRoundTrip, postLogin, returnTo, tamper } from './browser-steps.js';

async function listen(app: express.Express): Promise<{ server: Server; base: string }> {
  const server = await new Promise<Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const close = (server: Server) =>
  new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });

for (const bodyParser of [false, true]) {
  describe(`Express relying party (${bodyParser ? 'with' : 'without'} express.urlencoded)`, () => {
    let ps: ProviderServer;
    let server: Server;
    let base = '';
    const users: string[] = [];
    const failures: UnsuccessfulResult[] = [];

    before(async () => {
      ps = await startProviderServer();
      const app = express();
      if (bodyParser) app.use(express.urlencoded({ extended: false }));
      // Routes are added after listen(): the relying party needs the port in its realm.
      ({ server, base } = await listen(app));
      const rp = new RelyingParty({
        realm: `${base}/`,
        returnTo: `${base}/login/return`,
        secret: 'e'.repeat(40),
        store: new MemoryStore(),
        fetch: { allowPrivateNetworks: true },
      });
      const { login, callback } = expressRp(rp, {
        onSuccess: (result) => {
          users.push(result.claimedId as string);
          return '/me';
        },
        onFailure: (result, _req, res) => {
          failures.push(result);
          res.status(403).type('text/plain').send(result.status);
          return undefined;
        },
      });
      app.post('/login', login);
      app.get('/login', login);
      app.all('/login/return', callback);
    });
    after(async () => {
      await close(server);
      await ps.close();
    });

    const alice = () => ({ openid_identifier: `${ps.base}/id/alice` });

    test('signs in: 303 to the provider, back with the cookie, 303 to the app with no-referrer', async () => {
      const { cookie, url } = await loginRoundTrip(base, '/login', alice());
      assert.ok(url.startsWith(`${base}/login/return?`));
      const res = await returnTo(url, cookie);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/me');
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.match(
        res.headers.getSetCookie().join('\n'),
        /openid2_state\.[0-9a-f]{16}=used; Path=\/login\/return; Max-Age=600/,
      );
      assert.equal(users.at(-1), `${ps.base}/id/alice`);
    });

    test('a form-POSTed assertion is read from the body', async () => {
      const { cookie, url } = await loginRoundTrip(base, '/login', alice());
      const u = new URL(url);
      const body = new URLSearchParams([...u.searchParams].filter(([k]) => k.startsWith('openid.')));
      // A provider's form POSTs to return_to itself (with the RP's per-login nonce in its query).
      const res = await returnTo(body.get('openid.return_to') as string, cookie, body.toString());
      assert.equal(res.status, 303);
    });

    test('a form POST that arrives without the SameSite=Lax state cookie is posted again from this site once, then completes', async () => {
      const { cookie, url } = await loginRoundTrip(base, '/login', alice());
      const u = new URL(url);
      const body = new URLSearchParams([...u.searchParams].filter(([k]) => k.startsWith('openid.')));
      const returnUrl = body.get('openid.return_to') as string;
      const count = users.length;
      // The browser leaves the cookie out of the provider's cross-site POST.
      const page = await returnTo(returnUrl, null, body.toString());
      assert.equal(page.status, 200);
      assert.equal(page.headers.getSetCookie().length, 0, 'the state cookie is left in place');
      const html = await page.text();
      const form = readResubmitForm(html);
      // The same URL (the HTTP client percent-encodes an apostrophe of the nonce, as browsers do).
      assert.equal(new URL(form.action).href, new URL(returnUrl).href);
      assert.equal(form.fields.get('openid2_resubmit'), '1');
      assert.equal(form.fields.get('openid.sig'), body.get('openid.sig'));
      assert.equal(users.length, count, 'nobody is signed in by the bounce');
      // The same-site re-post carries the cookie and completes.
      const done = await returnTo(form.action, cookie, form.fields.toString());
      assert.equal(done.status, 303);
      assert.equal(users.at(-1), `${ps.base}/id/alice`);
      // Re-posted without a cookie again: no second bounce, a failure.
      const loop = await returnTo(form.action, null, form.fields.toString());
      assert.equal(loop.status, 403);
      assert.equal((failures.at(-1) as { code?: string }).code, 'unsolicited_rejected');
    });

    test('replay fails (nonce_replay)', async () => {
      const { cookie, url } = await loginRoundTrip(base, '/login', alice());
      assert.equal((await returnTo(url, cookie)).status, 303);
      const again = await returnTo(url, cookie);
      assert.equal(again.status, 403);
      assert.equal((failures.at(-1) as { code?: string }).code, 'nonce_replay');
    });

    test('a tampered return fails and never signs anyone in', async () => {
      const count = users.length;
      const { cookie, url } = await loginRoundTrip(base, '/login', alice());
      const res = await returnTo(tamper(url, `${ps.base}/id/mallory`), cookie);
      assert.equal(res.status, 403);
      assert.equal(failures.at(-1)?.status, 'failure');
      assert.equal(users.length, count);
    });

    test('cancel reaches onFailure as cancel', async () => {
      ps.decision = 'deny';
      try {
        const { cookie, url } = await loginRoundTrip(base, '/login', alice());
        const res = await returnTo(url, cookie);
        assert.equal(await res.text(), 'cancel');
      } finally {
        ps.decision = 'allow';
      }
    });

    test('SE-04: GET login 405, cross-site POST 403', async () => {
      const get = await fetch(`${base}/login?openid_identifier=${encodeURIComponent(ps.base)}`, {
        redirect: 'manual',
      });
      assert.equal(get.status, 405);
      const cross = await postLogin(base, '/login', alice(), { origin: 'https://evil.example' });
      assert.equal(cross.status, 403);
    });

    test('an oversized form body is refused with 413', async () => {
      const res = await postLogin(base, '/login', { openid_identifier: 'x'.repeat(200_000) });
      assert.equal(res.status, 413);
    });
  });
}

describe('Express provider middleware (expressProvider)', () => {
  let server: Server;
  let base = '';
  before(async () => {
    const app = express();
    app.get('/id/:name', (_req, res) => {
      res.type('application/xrds+xml').send(identityPageXrds(`${base}/op`));
    });
    ({ server, base } = await listen(app));
    const op = new Provider({
      endpoint: `${base}/op`,
      store: new MemoryStore(),
      fetch: { allowPrivateNetworks: true },
      allowNoEncryptionOverHttp: true,
    });
    app.all(
      '/op',
      expressProvider(op, {
        authorize: (request, _req, res) => {
          if (request.claimedId === `${base}/id/bob`) return request.answer(true);
          res.status(200).send('consent page');
          return null;
        },
      }),
      (_req, res) => {
        res.status(400).send('not an OpenID request');
      },
    );
  });
  after(() => close(server));

  test('associate, checkid and check-free verification work through the middleware; the app answers other users', async () => {
    const rp = new RelyingParty({
      realm: 'http://127.0.0.1:9/',
      returnTo: 'http://127.0.0.1:9/return',
      secret: 'p'.repeat(40),
      store: new MemoryStore(),
      fetch: { allowPrivateNetworks: true },
    });
    const auth = await rp.begin(`${base}/id/bob`);
    assert.equal(auth.usesAssociation, true);
    const back = await browse(auth.redirectUrl);
    const result = await rp.complete(back.url, { state: auth.state });
    assert.equal(result.status, 'success', JSON.stringify(result));
    const eve = await rp.begin(`${base}/id/eve`);
    const page = await fetch(eve.redirectUrl);
    assert.equal(await page.text(), 'consent page');
    assert.equal((await fetch(`${base}/op`)).status, 400);
  });
});

/** The action and fields of the re-post page (every value HTML-escaped by the adapter). */
function readResubmitForm(html: string): { action: string; fields: URLSearchParams } {
  const decodeHtml = (v: string) =>
    v
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const action = decodeHtml(/<form method="post" action="([^"]*)">/.exec(html)?.[1] ?? '');
  const fields = new URLSearchParams();
  for (const [, k, v] of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields.append(decodeHtml(k as string), decodeHtml(v as string));
  }
  return { action, fields };
}
