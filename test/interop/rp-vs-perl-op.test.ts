/**
 * Interop: this package's RelyingParty logs in at Perl's Net::OpenID::Server
 * 1.09 (Debian's libnet-openid-server-perl) behind HTTP::Daemon on 127.0.0.1
 * (perl_op_server.pl). The browser is simulated by following the provider's
 * redirect with fetch.
 *
 * What Net::OpenID::Server speaks, read from its source: OpenID 1.1 and 2.0
 * messages; associations HMAC-SHA1 or HMAC-SHA256, but in 2.0 only over a
 * DH-SHA1 session (anything else gets `unsupported-type` suggesting the
 * asked-for MAC over DH-SHA1); assertions signed with HMAC-SHA1 (a checkid
 * request names no association type, so it assumes HMAC-SHA1); stateless
 * handles that check_authentication confirms; no extension support beyond
 * signing the fields the host app adds (SReg here).
 *
 * Matrix: OpenID 2.0 (XRDS discovery) and 1.1 (HTML `openid.server`) ×
 * association and stateless verification × setup, immediate, cancel and
 * setup_needed; then identifier select, SReg, tampering, a dead handle and
 * the provider's quirks.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SessionNegotiator } from '../../src/associations/negotiation.js';
import { SRegRequest, SRegResponse } from '../../src/extensions/sreg.js';
import { identityPageHtml1, identityPageXrds } from '../../src/op/identity-pages.js';
import { RelyingParty, type RelyingPartyOptions } from '../../src/rp/relying-party.js';
import type { CompleteResult } from '../../src/rp/result.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { type PerlProvider, perlSkipReason, startPerlProvider } from './perl.js';
import { follow, submitForm } from './python.js';
import { type BeginOptions, loginVia } from './rp-side.js';

const skip = perlSkipReason();
type Mode = 'association' | 'stateless';

function makeRp(mode: Mode, extra: Partial<RelyingPartyOptions> = {}): RelyingParty {
  return new RelyingParty({
    realm: 'http://rp.example/',
    returnTo: 'http://rp.example/return?sid=1',
    secret: 'p'.repeat(40),
    // Stateless verification still keeps nonces in the store (replay protection).
    store: new MemoryStore(),
    associations: mode === 'stateless' ? 'none' : 'inline',
    fetch: { allowPrivateNetworks: true },
    ...extra,
  });
}

const login = (rp: RelyingParty, identifier: string, options?: BeginOptions) =>
  loginVia(follow, rp, identifier, options);

const code = (r: CompleteResult) => (r.status === 'failure' ? r.code : `(${r.status})`);
const verifiedBy = (r: CompleteResult) => (r.status === 'success' ? r.verifiedBy : `(${r.status})`);

describe('RelyingParty → Net::OpenID::Server', { skip }, () => {
  let op: PerlProvider;
  before(async () => {
    op = await startPerlProvider();
  });
  after(() => op?.close());

  /**
   * The requests the provider saw since `from`: "mode", with the pair asked
   * for and what the library answered to associate and check_authentication.
   */
  async function seen(from: number): Promise<string[]> {
    return (await op.log()).slice(from).map((e) => {
      const a = e.answer ?? {};
      if (e.mode === 'associate')
        return `associate ${e.assoc_type}/${e.session_type} → ${a.error_code ?? 'ok'} ${a.assoc_type}/${a.session_type}`;
      if (e.mode === 'check_authentication')
        return `check_authentication → is_valid:${a.is_valid}${a.invalidate_handle ? ' invalidate_handle' : ''}`;
      return e.error ? `${e.mode} → ${e.error}` : e.mode;
    });
  }

  for (const version of ['2.0', '1.1'] as const) {
    const page = version === '2.0' ? 'id' : 'id1';
    for (const mode of ['association', 'stateless'] as const) {
      describe(`OpenID ${version}, ${mode}`, () => {
        test('checkid_setup: success, verified the expected way, replay refused', async () => {
          await op.configure({ decision: 'allow', user: 'alice' });
          const rp = makeRp(mode);
          const start = (await op.log()).length;
          const claimed = `${op.base}/${page}/alice`;
          const { result, state, url } = await login(rp, claimed);
          assert.equal(result.status, 'success', JSON.stringify(result));
          if (result.status !== 'success') return;
          assert.equal(result.claimedId, claimed);
          assert.equal(result.endpoint.version, version);
          assert.equal(result.endpoint.opEndpoint, op.endpoint);
          assert.equal(result.verifiedBy, mode === 'association' ? 'association' : 'check_authentication');
          // Net::OpenID::Server answers a 2.0 request for HMAC-SHA256 over DH-SHA256 with unsupported-type
          // suggesting HMAC-SHA256 over DH-SHA1, which cannot carry a 256-bit key (§8.4.2: the DH hash
          // must be as long as the MAC key): the RP passes over it to its own next pair (§8.2.4).
          // An OpenID 1.1 endpoint is only ever asked for HMAC-SHA1 over DH-SHA1.
          const associates =
            mode === 'stateless'
              ? []
              : version === '2.0'
                ? [
                    'associate HMAC-SHA256/DH-SHA256 → unsupported-type HMAC-SHA256/DH-SHA1',
                    'associate HMAC-SHA1/DH-SHA1 → ok HMAC-SHA1/DH-SHA1',
                  ]
                : ['associate HMAC-SHA1/DH-SHA1 → ok HMAC-SHA1/DH-SHA1'];
          assert.deepEqual(await seen(start), [
            ...associates,
            'checkid_setup',
            ...(mode === 'stateless' ? ['check_authentication → is_valid:true'] : []),
          ]);

          const beforeReplay = (await op.log()).length;
          const replay = await rp.complete(url, { state });
          assert.equal(code(replay), 'nonce_replay');
          // Quirk (Net::OpenID::Server keeps no record of the signatures it confirmed): it says
          // is_valid:true to the same assertion twice, against §11.4.2.1. The RP's own nonce store
          // refuses the replay (§11.3) whatever the provider says.
          assert.deepEqual(
            await seen(beforeReplay),
            mode === 'stateless' ? ['check_authentication → is_valid:true'] : [],
          );
        });

        test('checkid_immediate: success when the provider allows, setup_needed when it cannot', async () => {
          const rp = makeRp(mode);
          await op.configure({ decision: 'allow' });
          const ok = await login(rp, `${op.base}/${page}/alice`, { immediate: true });
          assert.equal(ok.result.status, 'success', JSON.stringify(ok.result));
          await op.configure({ decision: 'deny' });
          const { result, url } = await login(rp, `${op.base}/${page}/alice`, { immediate: true });
          assert.equal(result.status, 'setup_needed', JSON.stringify(result));
          // 1.1: id_res with user_setup_url. 2.0: setup_needed, and Net::OpenID::Server adds
          // user_setup_url there too (deliberately, says its source), which §10.2.1 does not define;
          // on the provider's origin, so the RP passes it on.
          const args = new URL(url).searchParams;
          assert.equal(args.get('openid.mode'), version === '2.0' ? 'setup_needed' : 'id_res');
          const setup = new URL((result as { setupUrl: string }).setupUrl);
          assert.equal(`${setup.origin}${setup.pathname}`, `${op.base}/setup`);
        });

        test('cancel at the provider is cancel', async () => {
          await op.configure({ decision: 'deny' });
          const { result, url } = await login(makeRp(mode), `${op.base}/${page}/alice`);
          // Quirk: Net::OpenID::Server's cancel_return_url writes openid.mode=cancel without openid.ns,
          // even for a 2.0 request (§10.3 has the ns). A cancel carries no authority, so reading it as
          // cancel whatever its version is safe.
          assert.equal(new URL(url).searchParams.get('openid.ns'), null);
          assert.deepEqual(result, { status: 'cancel' });
        });
      });
    }
  }

  test('OpenID 2.0 identifier_select through the OP identifier: the provider picks the identity', async () => {
    await op.configure({ decision: 'allow', user: 'carol' });
    const { result, url } = await login(makeRp('association'), `${op.base}/`);
    await op.configure({ user: 'alice' });
    assert.equal(result.status, 'success', JSON.stringify(result));
    if (result.status !== 'success') return;
    assert.equal(result.claimedId, `${op.base}/id/carol`);
    assert.equal(new URL(url).searchParams.get('openid.identity'), `${op.base}/id/carol`);
  });

  const fullname = 'Zoë Ünal 山田 🙂';
  for (const version of ['2.0', '1.1'] as const) {
    test(`OpenID ${version}: SReg answers signed at the setup page arrive readable, UTF-8 intact`, async () => {
      await op.configure({
        decision: 'setup',
        sreg: { email: 'alice@example.org', fullname, nickname: 'alice', country: 'GB' },
      });
      const { result, url } = await login(
        makeRp('association'),
        `${op.base}/${version === '2.0' ? 'id' : 'id1'}/alice`,
        { extensions: [new SRegRequest({ required: ['email'], optional: ['fullname', 'dob'] })] },
      );
      await op.configure({ decision: 'allow', sreg: {} });
      assert.equal(result.status, 'success', JSON.stringify(result));
      if (result.status !== 'success') return;
      // Only what was asked for and known; the host app signs every field it adds.
      assert.deepEqual(SRegResponse.fromSuccess(result)?.toJSON(), { email: 'alice@example.org', fullname });
      const signed = new URL(url).searchParams.get('openid.signed')?.split(',') ?? [];
      assert.ok(signed.includes('sreg.email') && signed.includes('sreg.fullname'), signed.join(','));
    });
  }

  describe('edge cases', () => {
    test('delegation (2.0 XRDS LocalID, 1.x openid.delegate): the claimed identifier stays ours, the provider vouches for the local one', async () => {
      await op.configure({ decision: 'allow', user: 'alice' });
      const local = `${op.base}/id/alice`;
      // Personal pages written by this package's helpers, delegating to the provider's identity.
      const page = createServer((req, res) => {
        if (req.url === '/v2') {
          res.setHeader('content-type', 'application/xrds+xml');
          res.end(identityPageXrds(op.endpoint, local));
        } else {
          res.setHeader('content-type', 'text/html');
          res.end(identityPageHtml1({ opEndpoint: op.endpoint, delegate: local }));
        }
      });
      await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
      try {
        const base = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
        for (const [path, version] of [
          ['/v2', '2.0'],
          ['/v1', '1.1'],
        ] as const) {
          const { result, url } = await login(makeRp('association'), `${base}${path}`);
          assert.equal(result.status, 'success', `${path}: ${JSON.stringify(result)}`);
          if (result.status !== 'success') continue;
          assert.equal(result.endpoint.version, version);
          assert.equal(result.claimedId, `${base}${path}`);
          assert.equal(result.identity, local);
          // 2.0 carries both identifiers (§9.1). Quirk: Net::OpenID::Server adds openid.claimed_id to a
          // 1.1 answer too (1.1 defines none), set to the delegate it was asked about; the RP keeps the
          // claimed identifier it started the 1.x login with (checked above), never this field.
          const args = new URL(url).searchParams;
          assert.equal(args.get('openid.identity'), local);
          assert.equal(args.get('openid.claimed_id'), version === '2.0' ? `${base}${path}` : local);
        }
      } finally {
        page.closeAllConnections();
        await new Promise<void>((r) => page.close(() => r()));
      }
    });

    for (const mode of ['association', 'stateless'] as const) {
      test(`a signed field changed on the way back fails (${mode})`, async () => {
        await op.configure({ decision: 'setup', sreg: { email: 'alice@example.org' } });
        const rp = makeRp(mode);
        const auth = await rp.begin(`${op.base}/id/alice`, {
          extensions: [new SRegRequest({ required: ['email'] })],
        });
        const back = new URL((await follow(auth.redirectUrl)).url);
        await op.configure({ decision: 'allow', sreg: {} });
        assert.ok(back.searchParams.get('openid.signed')?.split(',').includes('sreg.email'));
        back.searchParams.set('openid.sreg.email', 'mallory@example.org');
        const start = (await op.log()).length;
        const result = await rp.complete(back.toString(), { state: auth.state });
        if (mode === 'association') {
          assert.equal(code(result), 'bad_signature');
          assert.deepEqual(await seen(start), []);
        } else {
          assert.equal(code(result), 'check_auth_failed');
          assert.deepEqual(await seen(start), ['check_authentication → is_valid:false']);
        }
      });
    }

    test('a handle the provider no longer knows: it signs statelessly with invalidate_handle; the RP checks and re-associates', async () => {
      await op.configure({ decision: 'allow' });
      const rp = makeRp('association');
      const first = await login(rp, `${op.base}/id/alice`);
      assert.equal(verifiedBy(first.result), 'association');
      const handle = new URL(first.url).searchParams.get('openid.assoc_handle');
      assert.ok(handle);
      // Net::OpenID::Server derives handles from its server secret: a new secret kills them all.
      await op.configure({ rotate_secret: true });
      const start = (await op.log()).length;
      const second = await login(rp, `${op.base}/id/alice`);
      assert.equal(new URL(second.url).searchParams.get('openid.invalidate_handle'), handle);
      assert.equal(verifiedBy(second.result), 'check_authentication');
      const third = await login(rp, `${op.base}/id/alice`);
      assert.equal(verifiedBy(third.result), 'association');
      assert.notEqual(new URL(third.url).searchParams.get('openid.assoc_handle'), handle);
      assert.deepEqual(await seen(start), [
        'checkid_setup',
        'check_authentication → is_valid:true invalidate_handle',
        'associate HMAC-SHA1/DH-SHA1 → ok HMAC-SHA1/DH-SHA1',
        'checkid_setup',
      ]);
    });

    test('only HMAC-SHA256 allowed: one refused associate, then every login verified with check_authentication', async () => {
      await op.configure({ decision: 'allow' });
      const rp = makeRp('association', {
        negotiator: new SessionNegotiator([{ assocType: 'HMAC-SHA256', sessionType: 'DH-SHA256' }]),
      });
      const start = (await op.log()).length;
      for (let i = 0; i < 3; i++) {
        const { result } = await login(rp, `${op.base}/id/alice`);
        assert.equal(verifiedBy(result), 'check_authentication');
      }
      // The library answers its unsupported-type with the HTTP status its host app gives (200 here;
      // §5.1.2.2 says 400): read the same either way, and not asked again on every login.
      const sent = (await seen(start)).filter((s) => s.startsWith('associate'));
      assert.deepEqual(sent, ['associate HMAC-SHA256/DH-SHA256 → unsupported-type HMAC-SHA256/DH-SHA1']);
    });

    test('a request too long for a URL goes as our form POST, which Net::OpenID::Server reads', async () => {
      await op.configure({ decision: 'allow' });
      const rp = makeRp('association', { returnTo: `http://rp.example/return?pad=${'y'.repeat(2100)}` });
      const auth = await rp.begin(`${op.base}/id/alice`);
      assert.equal(auth.shouldSendRedirect(), false);
      const back = await submitForm(auth.formHtml(), op.base);
      const result = await rp.complete(back.url, {
        state: auth.state,
        ...(back.body ? { body: back.body } : {}),
      });
      assert.equal(verifiedBy(result), 'association');
    });

    test('return_to arguments with +, escapes and UTF-8 come back as sent', async () => {
      await op.configure({ decision: 'allow' });
      const rp = makeRp('association', {
        returnTo: 'http://rp.example/return?q=a+b%2Bc&u=%C3%A9t%C3%A9&sp=x%20y&amp=%26',
      });
      const { result, url } = await login(rp, `${op.base}/id/alice`);
      const args = new URL(url).searchParams;
      assert.deepEqual(
        ['q', 'u', 'sp', 'amp'].map((k) => args.get(k)),
        ['a b+c', 'été', 'x y', '&'],
      );
      assert.equal(verifiedBy(result), 'association');
    });

    test("the library's OpenID 1.0 compatibility mode (issued / valid_to signed, expiry, lifetime) is read as usual", async () => {
      await op.configure({ decision: 'allow', compat: true });
      try {
        for (const page of ['id', 'id1'])
          for (const mode of ['association', 'stateless'] as const) {
            const { result, url } = await login(makeRp(mode), `${op.base}/${page}/alice`);
            const signed = new URL(url).searchParams.get('openid.signed')?.split(',') ?? [];
            assert.ok(signed.includes('issued') && signed.includes('valid_to'), signed.join(','));
            assert.equal(
              verifiedBy(result),
              mode === 'association' ? 'association' : 'check_authentication',
              `${page} ${mode}`,
            );
          }
      } finally {
        await op.configure({ compat: false });
      }
    });

    test('a host app that sets no endpoint_url: its 2.0 answers lack op_endpoint and are refused (§10.1); 1.1 needs none', async () => {
      await op.configure({ decision: 'allow', no_endpoint_url: true });
      try {
        for (const mode of ['association', 'stateless'] as const) {
          const start = (await op.log()).length;
          const { result, url } = await login(makeRp(mode), `${op.base}/id/alice`);
          assert.equal(new URL(url).searchParams.has('openid.op_endpoint'), false);
          assert.equal(code(result), 'missing_field', JSON.stringify(result));
          // Refused before any check_authentication: the provider is not asked to vouch for it.
          assert.equal((await seen(start)).filter((s) => s.startsWith('check_authentication')).length, 0);
          const old = await login(makeRp(mode), `${op.base}/id1/alice`);
          assert.equal(old.result.status, 'success', JSON.stringify(old.result));
        }
      } finally {
        await op.configure({ no_endpoint_url: false });
      }
    });

    test('known limit of store: null: Net::OpenID::Server confirms a replayed assertion, so only a store stops it', async () => {
      // With no store the RP keeps no nonces and relies on the provider refusing a signature it
      // already confirmed (§11.4.2.1). Net::OpenID::Server keeps no such record: it confirms the
      // replay, and the RP (which has nothing to compare with) accepts it. Hence the docs'
      // advice: a real store with `associations: 'none'` (docs/migrate-from-ruby-openid.md).
      await op.configure({ decision: 'allow' });
      const rp = makeRp('stateless', { store: null });
      const { result, state, url } = await login(rp, `${op.base}/id/alice`);
      assert.equal(verifiedBy(result), 'check_authentication');
      const start = (await op.log()).length;
      const replay = await rp.complete(url, { state });
      assert.deepEqual(await seen(start), ['check_authentication → is_valid:true']);
      assert.equal(replay.status, 'success');
    });
  });
});
