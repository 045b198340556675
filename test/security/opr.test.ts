/**
 * Security cases OPR-01 … OPR-09 (docs/security-cases.md §12): the
 * provider as an open redirector, a script host, a header splitter, or a
 * signer of identities its user does not own. Every case runs against this
 * package's Provider over real HTTP on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startDemo } from '../../demo/server.js';
import { SRegResponse } from '../../src/extensions/sreg.js';
import { IDENTIFIER_SELECT } from '../../src/protocol/constants.js';
import { OPENID_NS } from '../../src/protocol/message.js';
import { type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import { checkidFields, opGet, redirectFields, type WireAnswer } from './op-wire.js';

let ps: ProviderServer;
/** How many times the app's decision ran (a refused request never reaches it). */
let decided = 0;

before(async () => {
  ps = await startProviderServer();
});
after(() => ps.close());
beforeEach(() => {
  decided = 0;
  ps.decision = (request) => {
    decided++;
    return request.answer(true);
  };
});

/** Decode the character references an HTML attribute value may hold (named ones the encoder uses, and numeric). */
function decodeHtml(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#')
      return String.fromCodePoint(
        ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1)),
      );
    return named[ref] ?? whole;
  });
}

/** A refusal that stays on the provider: 4xx, no Location, no Set-Cookie. */
function staysHome(a: WireAnswer): void {
  assert.ok(a.status >= 400 && a.status < 500, `status ${a.status}`);
  assert.equal(a.location, null, 'no redirect');
  assert.equal(a.headers.get('set-cookie'), null);
}

describe('OPR: the provider as a redirector and a page', () => {
  test('OPR-01 answers an unknown mode carrying a foreign return_to with a 400, never a redirect', async () => {
    const a = await opGet(ps, {
      'openid.ns': 'http://specs.openid.net/auth/2.0',
      'openid.mode': 'bogus',
      'openid.return_to': 'https://evil.example/phish',
    });
    staysHome(a);
    assert.doesNotMatch(a.body, /evil\.example/);
  });

  test('OPR-01 a checkid whose return_to is outside its realm is a 400 page, not an error redirect', async () => {
    const a = await opGet(ps, checkidFields(ps, { 'openid.return_to': 'https://evil.example/phish' }));
    staysHome(a);
    assert.match(a.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(decided, 0);
  });

  for (const returnTo of [
    'javascript:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    '//evil.example/x',
    'https:evil.example/x',
    'ftp://rp.example/return',
    '/return',
  ]) {
    test(`OPR-02 refuses return_to ${JSON.stringify(returnTo)} with an error page`, async () => {
      const a = await opGet(ps, checkidFields(ps, { 'openid.return_to': returnTo }));
      staysHome(a);
      assert.equal(decided, 0);
      assert.doesNotMatch(a.body, /<script>alert/);
    });
  }

  test('OPR-02 refuses a realm of javascript: with an error page', async () => {
    const a = await opGet(ps, checkidFields(ps, { 'openid.realm': 'javascript:alert(1)//' }));
    staysHome(a);
    assert.equal(decided, 0);
  });

  test('OPR-03 escapes return_to and extension values in the auto-submitting form', async () => {
    const evil = '"><script>alert(1)</script><x a=\'';
    // Long enough that the answer cannot be a redirect URL (spec §5.2.2: > 2047 bytes).
    const returnTo = `https://rp.example/return?sid=1&q=${encodeURIComponent(evil)}&pad=${'p'.repeat(2100)}`;
    ps.decision = (request) => {
      decided++;
      return request.answer(true).addExtension(new SRegResponse({ nickname: evil, fullname: evil }));
    };
    const url = new URL(ps.endpoint);
    for (const [k, v] of Object.entries(checkidFields(ps, { 'openid.return_to': returnTo })))
      url.searchParams.set(k, v);
    const res = await fetch(url, { redirect: 'manual' });
    const html = await res.text();
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    // The only script is the provider's own, allowed by its CSP nonce.
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1, html.slice(0, 500));
    const nonce = /nonce="([^"]+)"/.exec(scripts[0] as string)?.[1];
    assert.ok(nonce && (res.headers.get('content-security-policy') ?? '').includes(`'nonce-${nonce}'`));
    assert.doesNotMatch(html, /<script>alert/);
    // Escaped, not dropped: what a browser decodes and posts back is exactly what was signed.
    const action = decodeHtml(/<form[^>]* action="([^"]*)"/.exec(html)?.[1] ?? '');
    const fields = new Map(
      [...html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map(([, k, v]) => [
        decodeHtml(k as string),
        decodeHtml(v as string),
      ]),
    );
    assert.equal(fields.get('openid.sreg.nickname'), evil);
    assert.equal(fields.get('openid.return_to'), returnTo);
    assert.equal(action, returnTo);
  });

  test('OPR-04 refuses a return_to carrying a raw CR/LF (header splitting) with an error page', async () => {
    const a = await opGet(
      ps,
      checkidFields(ps, { 'openid.return_to': 'https://rp.example/return?x=1\r\nSet-Cookie: owned=1' }),
    );
    staysHome(a);
    assert.equal(decided, 0);
  });

  test('OPR-04 keeps a percent-encoded CR/LF encoded in the Location header', async () => {
    const returnTo = 'https://rp.example/return?x=%0d%0aSet-Cookie:%20owned=1';
    const a = await opGet(ps, checkidFields(ps, { 'openid.return_to': returnTo }));
    const back = redirectFields(a);
    assert.equal(back.get(OPENID_NS, 'return_to'), returnTo);
    assert.equal(a.headers.get('set-cookie'), null);
    assert.doesNotMatch(a.location as string, /[\r\n]/);
  });

  test('OPR-05 gives no assertion for a return_to outside the realm, even when the app would allow', async () => {
    for (const [realm, returnTo] of [
      ['https://rp.example/', 'https://evilrp.example/return'],
      ['https://rp.example/app/', 'https://rp.example/other'],
      ['https://*.rp.example/', 'https://rp.example.evil.example/'],
      ['http://rp.example/', 'https://rp.example/'],
    ] as const) {
      const a = await opGet(ps, checkidFields(ps, { 'openid.realm': realm, 'openid.return_to': returnTo }));
      staysHome(a);
    }
    assert.equal(decided, 0);
  });
});

describe('OPR: the provider asserts only what its user owns', () => {
  test('OPR-06 an app answering for its signed-in user cannot turn a request for another identity into an assertion', async () => {
    const victim = `${ps.base}/id/victim`;
    ps.decision = (request, base) => {
      decided++;
      return request.answer(true, { identity: `${base}/id/mallory` });
    };
    const a = await opGet(ps, checkidFields(ps, { 'openid.claimed_id': victim, 'openid.identity': victim }));
    assert.equal(decided, 1);
    const back = redirectFields(a);
    assert.equal(back.get(OPENID_NS, 'mode'), 'error');
    assert.equal(back.get(OPENID_NS, 'sig'), undefined);
    assert.equal(back.get(OPENID_NS, 'identity'), undefined);
  });

  test('OPR-06 the same app answering for the identity requested gets a signed assertion (control)', async () => {
    ps.decision = (request, base) => request.answer(true, { identity: `${base}/id/alice` });
    const back = redirectFields(await opGet(ps, checkidFields(ps)));
    assert.equal(back.get(OPENID_NS, 'mode'), 'id_res');
    assert.equal(back.get(OPENID_NS, 'identity'), `${ps.base}/id/alice`);
  });

  test('OPR-07 refuses to echo a claimed_id of its own namespace next to another identity', async () => {
    const a = await opGet(
      ps,
      checkidFields(ps, {
        'openid.claimed_id': `${ps.base}/id/victim`,
        'openid.identity': `${ps.base}/id/mallory`,
      }),
    );
    const back = redirectFields(a);
    assert.equal(back.get(OPENID_NS, 'mode'), 'error');
    assert.equal(back.get(OPENID_NS, 'claimed_id'), undefined);
    assert.equal(back.get(OPENID_NS, 'sig'), undefined);
  });

  test('OPR-07 still answers genuine delegation from a claimed_id on another host (control)', async () => {
    const back = redirectFields(
      await opGet(
        ps,
        checkidFields(ps, {
          'openid.claimed_id': 'https://alice.example/',
          'openid.identity': `${ps.base}/id/alice`,
        }),
      ),
    );
    assert.equal(back.get(OPENID_NS, 'mode'), 'id_res');
    assert.equal(back.get(OPENID_NS, 'claimed_id'), 'https://alice.example/');
  });

  test('OPR-08 an identifier_select answer names the identity the app chose, whatever the request carried', async () => {
    ps.decision = (request, base) => {
      decided++;
      return request.answer(true, { identity: `${base}/id/alice` });
    };
    const back = redirectFields(
      await opGet(
        ps,
        checkidFields(ps, {
          'openid.claimed_id': IDENTIFIER_SELECT,
          'openid.identity': IDENTIFIER_SELECT,
          // A tampered extra field naming the victim is not an identity source.
          'openid.select_identity': `${ps.base}/id/victim`,
        }),
      ),
    );
    assert.equal(back.get(OPENID_NS, 'identity'), `${ps.base}/id/alice`);
    assert.equal(back.get(OPENID_NS, 'claimed_id'), `${ps.base}/id/alice`);
  });

  test('OPR-08 an identifier_select answer without an identity is an error, not an assertion', async () => {
    ps.decision = (request) => request.answer(true);
    const back = redirectFields(
      await opGet(
        ps,
        checkidFields(ps, { 'openid.claimed_id': IDENTIFIER_SELECT, 'openid.identity': IDENTIFIER_SELECT }),
      ),
    );
    assert.equal(back.get(OPENID_NS, 'mode'), 'error');
    assert.equal(back.get(OPENID_NS, 'sig'), undefined);
  });

  test('OPR-09 the approval path of the demo provider refuses to be framed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-opr09-'));
    const demo = await startDemo({
      port: 0,
      store: 'memory:',
      accounts: join(dir, 'accounts.db'),
      onError: () => {},
    });
    try {
      const endpoint = new URL('openid', demo.providerUrl);
      const fields = {
        ...checkidFields(ps),
        'openid.claimed_id': IDENTIFIER_SELECT,
        'openid.identity': IDENTIFIER_SELECT,
      };
      for (const [k, v] of Object.entries(fields)) endpoint.searchParams.set(k, v);
      const first = await fetch(endpoint, { redirect: 'manual' });
      await first.text();
      assert.equal(first.status, 303, `the endpoint sends an anonymous user to sign in (${first.status})`);
      const signIn = new URL(first.headers.get('location') as string, demo.url);
      const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] as string;
      const page = await fetch(signIn, { headers: { cookie } });
      const html = await page.text();
      assert.equal(page.status, 200);
      assert.match(html, /<form/);
      assert.equal(page.headers.get('x-frame-options'), 'DENY');
      assert.match(page.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    } finally {
      await demo.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
