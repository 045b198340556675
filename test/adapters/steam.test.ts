/**
 * The Steam preset against a local provider shaped like Steam's
 * (test/helpers/steam-op.ts), through the Web handlers, plus the Steam
 * spoofing cases of docs/security-cases.md, each named by its ID.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RpHandlers, rpHandlers, type UnsuccessfulResult } from '../../src/adapters/web.js';
import type { CompleteResult } from '../../src/rp/result.js';
import { type SteamRelyingParty, steamIdOf, steamLogin } from '../../src/steam/index.js';
import { STEAM_ORIGIN, type SteamProvider, startSteamProvider } from '../helpers/steam-op.js';

const RP = 'http://127.0.0.1:9';
const RETURN = `${RP}/auth/steam/return`;
const NS = 'http://specs.openid.net/auth/2.0';
const STEAM_KEYS = new Set([
  'openid.ns',
  'openid.mode',
  'openid.op_endpoint',
  'openid.claimed_id',
  'openid.identity',
  'openid.return_to',
  'openid.response_nonce',
  'openid.assoc_handle',
  'openid.signed',
  'openid.sig',
]);

function code(r: CompleteResult): string {
  assert.equal(r.status, 'failure', JSON.stringify(r));
  return (r as { code: string }).code;
}

describe('Sign in through Steam (steamLogin) against a Steam-shaped provider', () => {
  let op: SteamProvider;
  let steam: SteamRelyingParty;
  let handlers: RpHandlers;
  const ids: string[] = [];
  const failures: UnsuccessfulResult[] = [];

  before(async () => {
    op = await startSteamProvider();
    steam = steamLogin({
      realm: `${RP}/`,
      returnTo: RETURN,
      secret: 'k'.repeat(40),
      fetch: { allowPrivateNetworks: true },
      opEndpoint: op.endpoint,
      claimedIdPrefix: op.claimedIdPrefix,
      checkAuthOrigin: STEAM_ORIGIN,
    });
    handlers = rpHandlers(steam, {
      onSuccess: (result) => {
        ids.push(steamIdOf(result, steam));
        return '/profile';
      },
      onFailure: (result) => {
        failures.push(result);
        return '/';
      },
    });
  });
  after(() => op.close());

  /** Begin a login; the state token and the checkid request as sent. */
  async function begin() {
    const auth = await steam.begin();
    return { state: auth.state, request: new URL(auth.redirectUrl) };
  }

  test('signs in with identifier_select and yields the verified SteamID64; no association is attempted', async () => {
    const start = await handlers.login(
      new Request(`${RP}/auth/steam`, { method: 'POST', headers: { origin: RP } }),
    );
    assert.equal(start.status, 303);
    const location = new URL(start.headers.get('location') as string);
    assert.equal(`${location.origin}${location.pathname}`, op.endpoint);
    assert.equal(location.searchParams.get('openid.claimed_id'), `${NS}/identifier_select`);
    assert.equal(location.searchParams.get('openid.identity'), `${NS}/identifier_select`);
    assert.equal(location.searchParams.get('openid.assoc_handle'), null, 'stateless towards Steam');
    const cookie = (start.headers.getSetCookie()[0] as string).split(';')[0] as string;
    const atOp = await fetch(location, { redirect: 'manual' });
    assert.equal(atOp.status, 302);
    const checks = op.checkAuths.length;
    const done = await handlers.callback(
      new Request(atOp.headers.get('location') as string, { headers: { cookie } }),
    );
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), '/profile');
    assert.equal(ids.at(-1), op.steamId);
    assert.equal(op.checkAuths.length, checks + 1, 'verified with check_authentication');
    const check = op.checkAuths.at(-1);
    assert.equal(check?.origin, STEAM_ORIGIN);
    assert.ok(check?.referer?.startsWith(STEAM_ORIGIN));
    assert.deepEqual(new Set(check?.keys), STEAM_KEYS, 'exactly the expected openid.* fields are forwarded');
  });

  test('SE-06: the return page sends no Referer, clears the state cookie and redirects', async () => {
    const { state, request } = await begin();
    const url = op.assertion(request.searchParams.get('openid.return_to') as string);
    const res = await handlers.callback(new Request(url, { headers: { cookie: `openid2_state=${state}` } }));
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
    assert.match(res.headers.getSetCookie().join('\n'), /^openid2_state=; .*Max-Age=0/m);
  });

  test('a replayed assertion fails (nonce_replay), though Steam itself would confirm it again', async () => {
    const { state, request } = await begin();
    const url = op.assertion(request.searchParams.get('openid.return_to') as string);
    assert.equal((await steam.complete(url, { state })).status, 'success');
    assert.equal(code(await steam.complete(url, { state })), 'nonce_replay');
  });

  test('cancel at Steam is a cancel result', async () => {
    op.decision = 'cancel';
    try {
      const { state, request } = await begin();
      const res = await fetch(request, { redirect: 'manual' });
      const result = await steam.complete(res.headers.get('location') as string, { state });
      assert.deepEqual(result, { status: 'cancel' });
    } finally {
      op.decision = 'allow';
    }
  });

  test('a tampered assertion (another SteamID64 after signing) fails at check_authentication', async () => {
    const { state, request } = await begin();
    const url = new URL(op.assertion(request.searchParams.get('openid.return_to') as string));
    const other = `${op.claimedIdPrefix}76561197960287930`;
    url.searchParams.set('openid.claimed_id', other);
    url.searchParams.set('openid.identity', other);
    assert.equal(code(await steam.complete(url.toString(), { state })), 'check_auth_failed');
  });

  test('AP-01: a forged assertion (bad signature) never yields a SteamID64', async () => {
    const before = ids.length;
    const { state, request } = await begin();
    const url = new URL(op.assertion(request.searchParams.get('openid.return_to') as string));
    url.searchParams.set('openid.sig', Buffer.alloc(32, 7).toString('base64'));
    const res = await handlers.callback(
      new Request(url.toString(), { headers: { cookie: `openid2_state=${state}` } }),
    );
    assert.equal(res.headers.get('location'), '/');
    assert.equal(ids.length, before, 'onSuccess never ran');
    assert.equal((failures.at(-1) as { code?: string }).code, 'check_auth_failed');
  });

  test('IS-07: a claimed id on another host (http://83.97.20.218:9291/openid/<id>) is refused, even when signed', async () => {
    const { state, request } = await begin();
    const evil = 'http://83.97.20.218:9291/openid/76561197960435530';
    const checks = op.checkAuths.length;
    const url = op.assertion(request.searchParams.get('openid.return_to') as string, {
      claimed_id: evil,
      identity: evil,
    });
    assert.equal(code(await steam.complete(url, { state })), 'untrusted_claimed_id');
    assert.equal(op.checkAuths.length, checks, 'refused before any request');
  });

  test('IS-07: claimed ids that only resemble Steam’s are refused (suffix, 16 or 18 digits, trailing slash, query)', async () => {
    const { state, request } = await begin();
    for (const tail of [
      '7656119796043553',
      '765611979604355300',
      '76561197960435530/',
      '76561197960435530?x=1',
    ]) {
      const claimed = `${op.claimedIdPrefix}${tail}`;
      const url = op.assertion(request.searchParams.get('openid.return_to') as string, {
        claimed_id: claimed,
        identity: claimed,
      });
      assert.equal(code(await steam.complete(url, { state })), 'untrusted_claimed_id', tail);
    }
  });

  test('AP-02: an op_endpoint other than exactly Steam’s is refused (other host, prefix match, trailing slash)', async () => {
    const { state, request } = await begin();
    for (const endpoint of [
      'http://127.0.0.1:1/openid/login',
      `${op.endpoint}/`,
      `${op.endpoint}?x=1`,
      `${op.endpoint}/../login`,
    ]) {
      const url = op.assertion(request.searchParams.get('openid.return_to') as string, {
        op_endpoint: endpoint,
      });
      assert.equal(code(await steam.complete(url, { state })), 'untrusted_op', endpoint);
    }
  });

  test('AP-03: an extra openid.* field (an unsigned extension) fails the login', async () => {
    const { state, request } = await begin();
    const url = new URL(op.assertion(request.searchParams.get('openid.return_to') as string));
    url.searchParams.set('openid.ns.ext1', 'http://openid.net/srv/ax/1.0');
    url.searchParams.set('openid.ext1.value.email', 'victim@corp.example');
    assert.equal(code(await steam.complete(url.toString(), { state })), 'unexpected_field');
  });

  test('NS-01: the passport-steam attack — openid.ns stripped (ns is unsigned) — is refused', async () => {
    const { state, request } = await begin();
    const url = new URL(op.assertion(request.searchParams.get('openid.return_to') as string));
    url.searchParams.delete('openid.ns');
    assert.equal(code(await steam.complete(url.toString(), { state })), 'ns_mismatch');
    url.searchParams.set('openid.ns', 'http://openid.net/signon/1.1');
    assert.equal(code(await steam.complete(url.toString(), { state })), 'ns_mismatch');
  });

  test('UR-01: a homograph host (steamcommunіty.com, Cyrillic і) is refused', async () => {
    const real = steamLogin({ realm: `${RP}/`, returnTo: RETURN });
    for (const claimed of [
      'https://steamcommun\u0456ty.com/openid/id/76561197960435530',
      `https://${new URL('https://steamcommun\u0456ty.com/').host}/openid/id/76561197960435530`,
    ]) {
      const url = new URL(RETURN);
      for (const [k, v] of Object.entries({
        ns: NS,
        mode: 'id_res',
        op_endpoint: 'https://steamcommunity.com/openid/login',
        claimed_id: claimed,
        identity: claimed,
        return_to: RETURN,
        response_nonce: `${new Date().toISOString().slice(0, 19)}Zabc`,
        assoc_handle: '1234567890',
        signed: 'signed,op_endpoint,claimed_id,identity,return_to,response_nonce,assoc_handle',
        sig: 'AAAA',
      }))
        url.searchParams.set(`openid.${k}`, v);
      assert.equal(code(await real.complete(url.toString())), 'untrusted_claimed_id', claimed);
    }
    assert.equal(
      real.steamIdFromClaimedId('https://steamcommunity.com/openid/id/76561197960435530'),
      '76561197960435530',
    );
  });

  test('UR-03: a backslash claimed id (https://steamcommunity.com\\@evil.example/…) is refused', async () => {
    const { state, request } = await begin();
    const claimed = `${op.claimedIdPrefix.replace(/\/openid\/id\/$/, '')}\\@evil.example/openid/id/76561197960435530`;
    const url = op.assertion(request.searchParams.get('openid.return_to') as string, {
      claimed_id: claimed,
      identity: claimed,
    });
    assert.equal(code(await steam.complete(url, { state })), 'untrusted_claimed_id');
  });

  test('UR-06: NUL, control characters or spaces in claimed_id / identity / op_endpoint are refused', async () => {
    const { state, request } = await begin();
    const returnTo = request.searchParams.get('openid.return_to') as string;
    const id = `${op.claimedIdPrefix}76561197960435530`;
    for (const fields of [
      { claimed_id: `${id}\u0000`, identity: `${id}\u0000` },
      { claimed_id: `${id}\n`, identity: id },
      { op_endpoint: `${op.endpoint}\t` },
      { identity: ` ${id}` },
    ]) {
      const r = await steam.complete(op.assertion(returnTo, fields), { state });
      assert.ok(['malformed_message', 'untrusted_claimed_id'].includes(code(r)), JSON.stringify(fields));
    }
    const r = await steam.complete(
      op.assertion(returnTo, { claimed_id: `${id}\u0000`, identity: `${id}\u0000` }),
      {
        state,
      },
    );
    assert.equal(code(r), 'malformed_message');
  });

  test('parameter pollution: a duplicate openid.claimed_id (attacker first, genuine last) is refused', async () => {
    const { state, request } = await begin();
    const genuine = op.assertion(request.searchParams.get('openid.return_to') as string);
    const evil = `${op.claimedIdPrefix}76561197960287930`;
    const polluted = `${genuine.replace('?', `?openid.claimed_id=${encodeURIComponent(evil)}&`)}`;
    assert.equal(new URL(polluted).searchParams.get('openid.claimed_id'), evil);
    assert.equal(code(await steam.complete(polluted, { state })), 'malformed_message');
  });

  test('parameter pollution: NUL-bearing parameter names and values are refused (passport-steam PR #127 class)', async () => {
    const { state, request } = await begin();
    const genuine = op.assertion(request.searchParams.get('openid.return_to') as string);
    const evil = encodeURIComponent(`${op.claimedIdPrefix}76561197960287930`);
    for (const extra of [
      `openid.claimed_id%00=${evil}`,
      `openid.claimed_id\u200b=${evil}`.replace('\u200b', '%E2%80%8B'),
      `openid.foo=bar%00`,
      `x%00=1`,
    ]) {
      const r = await steam.complete(`${genuine}&${extra}`, { state });
      assert.ok(['malformed_message', 'unexpected_field'].includes(code(r)), extra);
    }
  });

  test('SE-04: starting a Steam login needs a same-site POST (GET 405, cross-site 403)', async () => {
    assert.equal((await handlers.login(new Request(`${RP}/auth/steam`))).status, 405);
    const cross = await handlers.login(
      new Request(`${RP}/auth/steam`, { method: 'POST', headers: { origin: 'https://evil.example' } }),
    );
    assert.equal(cross.status, 403);
    const getAllowed = rpHandlers(steam, { onSuccess: () => '/', allowGetLogin: true });
    assert.equal((await getAllowed.login(new Request(`${RP}/auth/steam`))).status, 303);
  });

  test('check_authentication without Steam’s Origin is refused by the Steam-shaped provider (so the header test can fail)', async () => {
    const plain = steamLogin({
      realm: `${RP}/`,
      returnTo: RETURN,
      fetch: { allowPrivateNetworks: true },
      opEndpoint: op.endpoint,
      claimedIdPrefix: op.claimedIdPrefix,
      checkAuthOrigin: 'https://rp.example',
    });
    const auth = await plain.begin();
    const url = op.assertion(new URL(auth.redirectUrl).searchParams.get('openid.return_to') as string);
    assert.equal(code(await plain.complete(url, { state: auth.state })), 'check_auth_failed');
  });

  test('steamIdOf refuses a claimed id that is not Steam’s', () => {
    assert.throws(
      () => steamIdOf({ claimedId: 'https://evil.example/openid/id/76561197960435530' } as never),
      {
        code: 'untrusted_claimed_id',
      },
    );
  });
});
