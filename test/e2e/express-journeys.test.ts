/**
 * An Express app using `expressRp`, in real headless Chromium (issue 20):
 * the happy path with post/redirect/get, two tabs signing in at once,
 * refresh and back/forward after success, a login started on localhost
 * while the app is configured on 127.0.0.1, a cancel at the provider, and a
 * second visit to a used return URL. The provider is this package's
 * Provider answering at once (test/helpers/op-server.ts).
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import type { Browser, Page } from 'playwright-core';
import { expressRp } from '../../src/adapters/express.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { freePort } from '../adapters/free-port.js';
import { type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import { launchChromium, chromiumSkip as skip } from './chromium.js';

describe('an Express app in real Chromium', { skip, timeout: 120_000 }, () => {
  let ps: ProviderServer;
  let server: Server;
  let base = '';
  let browser: Browser;
  const statuses: number[] = [];
  /** Every claimed id the app signed in, in order. */
  const signIns: string[] = [];

  before(async () => {
    ps = await startProviderServer();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const rp = new RelyingParty({
      realm: `${base}/`,
      returnTo: `${base}/login/return`,
      secret: 'e'.repeat(40),
      store: new MemoryStore(),
      fetch: { allowPrivateNetworks: true },
    });
    const app = express();
    const signedIn = new Map<string, string>(); // a toy session: cookie sid → claimed id
    const sidOf = (req: express.Request) => /(?:^|; )sid=(\w+)/.exec(req.get('cookie') ?? '')?.[1];
    const h = expressRp(rp, {
      onSuccess: (result, _req, res) => {
        const sid = Math.random().toString(36).slice(2);
        signedIn.set(sid, result.claimedId as string);
        signIns.push(result.claimedId as string);
        res.append('Set-Cookie', `sid=${sid}; Path=/; HttpOnly; SameSite=Lax`);
        return '/me';
      },
      onFailure: (result) => `/?failed=${result.status === 'failure' ? result.code : result.status}`,
    });
    app.get('/', (req, res) => {
      const failed = typeof req.query['failed'] === 'string' ? req.query['failed'] : '';
      res.type('html').send(
        `<!DOCTYPE html><title>app</title>${failed ? `<p id="failed">${failed.replace(/\W/g, '')}</p>` : ''}
<form method="post" action="/login"><input type="text" inputmode="url" id="id" name="openid_identifier"><button id="go">Sign in</button></form>`,
      );
    });
    app.post('/login', h.login);
    app.all('/login/return', h.callback);
    app.get('/me', (req, res) => {
      const who = signedIn.get(sidOf(req) ?? '');
      if (!who) return res.redirect(303, '/');
      res.type('html').send(`<!DOCTYPE html><title>me</title><p id="me">${who}</p>`);
    });
    server = await new Promise<Server>((r) => {
      const s = app.listen(port, '127.0.0.1', () => r(s));
    });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    server?.close();
    await ps?.close();
  });

  async function page(): Promise<Page> {
    const ctx = await browser.newContext();
    ctx.setDefaultTimeout(15_000);
    const p = await ctx.newPage();
    p.on('response', (r) => statuses.push(r.status()));
    return p;
  }

  async function signIn(p: Page, origin: string, user: string) {
    await p.goto(`${origin}/`);
    await p.fill('#id', `${ps.base}/id/${user}`);
    await p.click('#go');
  }

  test('happy path ends on a clean URL; refresh and back/forward show no failure', async () => {
    const p = await page();
    await signIn(p, base, 'alice');
    await p.waitForSelector('#me');
    assert.equal(p.url(), `${base}/me`);
    assert.equal((await p.textContent('#me'))?.trim(), `${ps.base}/id/alice`);
    await p.reload();
    assert.equal((await p.textContent('#me'))?.trim(), `${ps.base}/id/alice`);
    await p.goBack();
    await p.waitForLoadState();
    assert.equal(await p.$('#failed'), null, `after back: ${p.url()}`);
    await p.goForward();
    await p.waitForSelector('#me');
    assert.ok(statuses.every((s) => s < 500));
    await p.context().close();
  });

  test('two tabs of one browser: both logins complete', async () => {
    const tab1 = await page();
    const tab2 = await tab1.context().newPage();
    // Hold the provider's answers so both logins are pending at once.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let waiting = 0;
    ps.decision = async (request) => {
      waiting++;
      await held;
      return request.answer(true);
    };
    try {
      const one = signIn(tab1, base, 'alice');
      const two = signIn(tab2, base, 'bob');
      while (waiting < 2) await new Promise((r) => setTimeout(r, 20));
      const before = signIns.length;
      release();
      await Promise.all([one, two]);
      await tab1.waitForSelector('#me');
      await tab2.waitForSelector('#me');
      // Both logins were verified. (The toy session is one cookie for the browser, so both tabs then
      // show whichever finished last: which one that is, is a race.)
      assert.deepEqual(signIns.slice(before).sort(), [`${ps.base}/id/alice`, `${ps.base}/id/bob`]);
    } finally {
      ps.decision = 'allow';
      await tab1.context().close();
    }
  });

  test('a login started on localhost is sent to 127.0.0.1 first, and then works', async () => {
    const p = await page();
    const localhost = base.replace('127.0.0.1', 'localhost');
    await signIn(p, localhost, 'alice');
    await p.waitForLoadState();
    assert.equal(new URL(p.url()).origin, base, 'now on the configured origin');
    await signIn(p, base, 'alice');
    await p.waitForSelector('#me');
    await p.context().close();
  });

  test('cancel at the provider comes back to the app as failed=cancel, with no 5xx', async () => {
    const p = await page();
    ps.decision = 'deny';
    try {
      await signIn(p, base, 'alice');
      await p.waitForSelector('#failed');
      assert.equal((await p.textContent('#failed'))?.trim(), 'cancel');
      assert.equal(
        new URL(p.url()).pathname,
        '/',
        'answered with a redirect to the app, not a page on the return URL',
      );
      assert.ok(statuses.every((s) => s < 500));
    } finally {
      ps.decision = 'allow';
      await p.context().close();
    }
  });

  test('opening a used return URL again reads state_used, not an attack', async () => {
    const p = await page();
    const returns: string[] = [];
    p.on('request', (r) => {
      if (r.url().startsWith(`${base}/login/return`)) returns.push(r.url());
    });
    await signIn(p, base, 'alice');
    await p.waitForSelector('#me');
    const used = returns[0];
    assert.ok(used, 'the browser came back through the return URL');
    await p.goto(used);
    await p.waitForSelector('#failed');
    assert.equal((await p.textContent('#failed'))?.trim(), 'state_used');
    await p.context().close();
  });
});
