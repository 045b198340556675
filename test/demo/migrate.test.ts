/**
 * The demo's "move this account to OpenID Connect" (Migration 1.0), driven
 * like a browser: sign up at the demo provider, sign in at the demo site
 * with OpenID 2.0, move to OpenID Connect, and see the old identifier
 * linked to the new issuer and subject.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningDemo, startDemo } from '../../demo/server.js';

let demo: RunningDemo;
let dir: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'openid2-demo-migrate-'));
  demo = await startDemo({
    port: 0,
    store: 'memory:',
    accounts: join(dir, 'accounts.db'),
    onError: () => {},
  });
});
after(async () => {
  await demo?.close();
  rmSync(dir, { recursive: true, force: true });
});

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** A cookie jar that follows redirects and auto-submitting forms. */
class Browser {
  readonly jar = new Map<string, string>();
  async go(
    url: string,
    form?: Record<string, string>,
  ): Promise<{ url: string; status: number; html: string }> {
    let method = form ? 'POST' : 'GET';
    let body: string | undefined = form ? new URLSearchParams(form).toString() : undefined;
    for (let hops = 0; hops < 20; hops++) {
      const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(url, {
        method,
        redirect: 'manual',
        headers: {
          ...(cookie ? { cookie } : {}),
          // A browser's form POST says where it comes from (the login route refuses a POST that does not, SE-04).
          ...(body !== undefined
            ? { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin }
            : {}),
        },
        ...(body !== undefined ? { body } : {}),
      });
      for (const set of res.headers.getSetCookie()) {
        const pair = set.split(';')[0] as string;
        const eq = pair.indexOf('=');
        this.jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
      }
      const html = await res.text();
      const location = res.headers.get('location');
      if (location !== null) {
        url = new URL(location, url).href;
        method = 'GET';
        body = undefined;
        continue;
      }
      const auto = /<form[^>]*action="([^"]*)"[^>]*>/.exec(html);
      if (res.status === 200 && auto && /onload|submit\(\)/.test(html) && !html.includes('name="csrf"')) {
        const fields = [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)];
        url = new URL(decode(auto[1] as string), url).href;
        method = 'POST';
        body = new URLSearchParams(
          fields.map(([, k, v]): [string, string] => [decode(k as string), decode(v as string)]),
        ).toString();
        continue;
      }
      return { url, status: res.status, html };
    }
    throw new Error('too many redirects');
  }
}
const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const textOf = (html: string, id: string) =>
  decode(new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1] ?? '');

/**
 * Sign `username` up at the demo provider, then in at the demo site with its
 * OpenID 2.0 identifier (allowing at the consent page if asked): the page
 * the site lands on.
 */
async function signUpAndSignIn(b: Browser, base: string, username: string, fullname: string) {
  const signup = await b.go(`${base}/op/signup`);
  await b.go(`${base}/op/signup`, {
    csrf: csrfOf(signup.html),
    rid: '',
    username,
    password: 'correct horse battery',
    nickname: username,
    fullname,
    email: `${username}@example.test`,
  });
  const home = await b.go(`${base}/`);
  const page = await b.go(`${base}/rp/login`, {
    csrf: csrfOf(home.html),
    openid_identifier: `${base}/op/id/${username}`,
  });
  if (!page.url.includes('/op/consent')) return page;
  const rid = /name="rid" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
  return b.go(`${base}/op/consent`, { csrf: csrfOf(page.html), rid, decision: 'allow' });
}

test('demo: an OpenID 2.0 account moves to OpenID Connect and the site links old identifier to new sub', async () => {
  const base = demo.url.replace(/\/$/, '');
  const b = new Browser();
  const page = await signUpAndSignIn(b, base, 'alice', 'Alice');
  assert.equal(textOf(page.html, 'outcome'), 'Signed in', page.html.slice(0, 500));
  assert.equal(textOf(page.html, 'claimed-id'), `${base}/op/id/alice`);
  assert.match(page.html, /id="move-to-oidc"/, 'the signed-in page offers the move');

  const ask = await b.go(`${base}/rp/migrate`, { csrf: csrfOf(page.html) });
  assert.match(ask.html, /id="allow-link"/, 'the provider asks before linking (Migration §9.1)');
  assert.match(ask.html, new RegExp(`${base}/op/id/alice`.replace(/[.]/g, '\\.')));
  const moved = await b.go(ask.url, { csrf: csrfOf(ask.html), decision: 'allow' });
  assert.equal(textOf(moved.html, 'outcome'), 'Account moved to OpenID Connect', moved.html.slice(0, 800));
  assert.equal(textOf(moved.html, 'old-id'), `${base}/op/id/alice`);
  assert.equal(textOf(moved.html, 'new-iss'), `${base}/oidc`);
  assert.equal(textOf(moved.html, 'new-sub'), 'alice');
});

test('demo: identity pages name the OpenID Connect issuer when asked for JSON (Migration §6)', async () => {
  const base = demo.url.replace(/\/$/, '');
  const res = await fetch(`${base}/op/id/alice`, { headers: { accept: 'application/json' } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(await res.json(), { iss: `${base}/oidc` });
  const xrds = await fetch(`${base}/`, { headers: { accept: 'application/xrds+xml' } });
  assert.match(await xrds.text(), /\/rp\/oidc\/callback/);
});

test('demo: declining the link at the provider links nothing', async () => {
  const base = demo.url.replace(/\/$/, '');
  const b = new Browser();
  const page = await signUpAndSignIn(b, base, 'bob', 'Bob');
  const ask = await b.go(`${base}/rp/migrate`, { csrf: csrfOf(page.html) });
  const declined = await b.go(ask.url, { csrf: csrfOf(ask.html), decision: 'deny' });
  assert.equal(textOf(declined.html, 'outcome'), 'Move failed');
  assert.match(declined.html, /access_denied/);
});
