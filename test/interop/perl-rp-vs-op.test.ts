/**
 * Interop: Perl's Net::OpenID::Consumer 1.18 (Debian's
 * libnet-openid-consumer-perl, a plain LWP::UserAgent, an in-memory cache or
 * none) logs in at this package's Provider over real HTTP on 127.0.0.1
 * (test/helpers/op-server.ts). The browser is simulated by following the
 * provider's redirect with fetch.
 *
 * What Net::OpenID::Consumer does, read from its source: Yadis (XRDS) then
 * HTML discovery, but its GET sends no `Accept: application/xrds+xml`, so
 * an identity page is read through its `<link>` elements unless it points at
 * its XRDS (X-XRDS-Location); associations only with a cache (default
 * HMAC-SHA1 over DH-SHA1, `max_encrypt` HMAC-SHA256 over DH-SHA256 in 2.0);
 * without one, every assertion is checked with check_authentication and no
 * response_nonce is remembered.
 *
 * Matrix: OpenID 2.0 and 1.1 × DH-SHA1, DH-SHA256 (2.0), stateless × setup,
 * immediate, cancel, setup_needed; then identifier select, SReg, discovery
 * of the identity pages this package writes, tampering, a forgotten handle,
 * a form POST answer and escaped return_to arguments.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SRegRequest, SRegResponse } from '../../src/extensions/sreg.js';
import { identityPageHtml, identityPageHtml1, identityPageXrds } from '../../src/op/identity-pages.js';
import type { CheckIDRequest } from '../../src/op/requests.js';
import { type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import {
  type PerlBegin,
  type PerlConsumer,
  type PerlConsumerMode,
  type PerlResult,
  perlSkipReason,
  startPerlConsumer,
} from './perl.js';
import { follow } from './python.js';

const skip = perlSkipReason();
type Mode = 'DH-SHA1' | 'DH-SHA256' | 'stateless';
const MODES: Record<Mode, PerlConsumerMode> = {
  'DH-SHA1': { stateless: false }, // the library's default pair
  'DH-SHA256': { stateless: false, assoc_options: { max_encrypt: true } },
  stateless: { stateless: true },
};
const ASSOC_TYPE = { 'DH-SHA1': 'HMAC-SHA1', 'DH-SHA256': 'HMAC-SHA256' } as const;
const REALM = 'http://rp.example/';
const RETURN_TO = 'http://rp.example/return?sid=1';

describe('Net::OpenID::Consumer → Provider', { skip }, () => {
  let ps: ProviderServer;
  const consumers: PerlConsumer[] = [];
  const closing: Promise<void>[] = [];
  before(async () => {
    ps = await startProviderServer();
  });
  after(async () => {
    await Promise.all([...closing, ...consumers.map((c) => c.close())]);
    await ps?.close();
  });

  /** A fresh consumer; the earlier ones are done (tests run in order), so they are stopped. */
  function consumer(mode: Mode): PerlConsumer {
    for (const old of consumers.splice(0)) closing.push(old.close());
    const c = startPerlConsumer(MODES[mode]);
    consumers.push(c);
    return c;
  }

  async function login(
    c: PerlConsumer,
    identifier: string,
    extra: Partial<PerlBegin> = {},
  ): Promise<{ result: PerlResult; url: string; body?: string; checkUrl: string; version: 1 | 2 }> {
    const begun = await c.begin({ identifier, realm: REALM, return_to: RETURN_TO, ...extra });
    const back = await follow(begun.check_url);
    const result = await c.complete(back.url, back.body);
    return { result, checkUrl: begun.check_url, version: begun.protocol_version, ...back };
  }

  /** The type of the shared association the consumer's request names, from this provider's store. */
  async function associationType(checkUrl: string): Promise<string | null> {
    const handle = new URL(checkUrl).searchParams.get('openid.assoc_handle');
    if (!handle) return null;
    return (await ps.op.store.getAssociation(`${ps.endpoint}#shared`, handle))?.assocType ?? null;
  }

  const cases = [
    ['2.0', 'DH-SHA1'],
    ['2.0', 'DH-SHA256'],
    ['2.0', 'stateless'],
    ['1.1', 'DH-SHA1'],
    ['1.1', 'stateless'],
  ] as const;
  for (const [version, mode] of cases) {
    const page = version === '2.0' ? 'id' : 'id1';
    describe(`OpenID ${version}, ${mode}`, () => {
      // One consumer process for the three tests; the first sees the association being made.
      let shared: PerlConsumer | undefined;
      const c = () => {
        shared ??= consumer(mode);
        return shared;
      };
      test('checkid_setup: verified as the claimed identifier, the expected way; replay handled', async () => {
        ps.decision = 'allow';
        const start = ps.log.length;
        const claimed = `${ps.base}/${page}/alice`;
        const { result, url, checkUrl, version: v } = await login(c(), claimed);
        assert.equal(v, version === '2.0' ? 2 : 1);
        assert.equal(result.status, 'verified', JSON.stringify(result) + c().stderr());
        assert.equal(result.url, claimed);
        // §10.1: the fields a 2.0 assertion must sign; 1.1 signs mode, identity, return_to.
        const mustSign =
          version === '2.0'
            ? ['op_endpoint', 'return_to', 'response_nonce', 'assoc_handle', 'claimed_id', 'identity']
            : ['mode', 'identity', 'return_to'];
        for (const f of mustSign) assert.ok(result.signed_fields?.includes(f), `${f} unsigned`);
        const associates = mode !== 'stateless';
        assert.equal(await associationType(checkUrl), associates ? ASSOC_TYPE[mode] : null);
        assert.deepEqual(ps.log.slice(start), [
          ...(associates ? ['associate'] : []),
          'checkid_setup',
          ...(associates ? [] : ['check_authentication']),
        ]);

        const beforeReplay = ps.log.length;
        const replay = await c().complete(url);
        if (!associates) {
          // No cache, no nonce memory: the consumer asks again, and this provider refuses a signature
          // it has already confirmed (§11.4.2.1).
          assert.equal(replay.errcode, 'naive_verify_failed_return', JSON.stringify(replay));
          assert.deepEqual(ps.log.slice(beforeReplay), ['check_authentication']);
        } else if (version === '2.0') {
          assert.equal(replay.errcode, 'nonce_reused', JSON.stringify(replay));
          assert.deepEqual(ps.log.slice(beforeReplay), []);
        } else {
          // Quirk: OpenID 1.1 has no response_nonce and Net::OpenID::Consumer puts no nonce of its own
          // in return_to (only oic.time, a signed timestamp good for an hour), so it accepts the same
          // association-signed 1.1 answer twice. Nothing reaches this provider: nothing for it to refuse.
          assert.equal(replay.status, 'verified', JSON.stringify(replay));
          assert.deepEqual(ps.log.slice(beforeReplay), []);
        }
      });

      test('checkid_immediate: verified when the provider allows, setup_needed when it cannot', async () => {
        ps.decision = 'allow';
        const ok = await login(c(), `${ps.base}/${page}/alice`, { immediate: true });
        assert.equal(ok.result.status, 'verified', JSON.stringify(ok.result) + c().stderr());
        ps.decision = 'deny';
        const { result, url } = await login(c(), `${ps.base}/${page}/alice`, { immediate: true });
        assert.equal(result.status, 'setup_needed', JSON.stringify(result));
        // 2.0: mode setup_needed and no user_setup_url (§10.2.1); 1.1: id_res naming where to go.
        assert.equal(
          new URL(url).searchParams.get('openid.mode'),
          version === '2.0' ? 'setup_needed' : 'id_res',
        );
        assert.equal(result.setup_url, version === '2.0' ? null : `${ps.base}/login`);
      });

      test('cancel at the provider is cancel', async () => {
        ps.decision = 'deny';
        const { result } = await login(c(), `${ps.base}/${page}/alice`);
        assert.equal(result.status, 'cancel', JSON.stringify(result));
      });
    });
  }

  test('OpenID 2.0 identifier_select through the OP identifier (XRDS): the provider picks the identity', async () => {
    ps.decision = 'allow';
    ps.user = 'carol';
    const { result, checkUrl } = await login(consumer('DH-SHA1'), `${ps.base}/`);
    ps.user = 'alice';
    const asked = new URL(checkUrl).searchParams;
    assert.equal(asked.get('openid.claimed_id'), 'http://specs.openid.net/auth/2.0/identifier_select');
    assert.equal(asked.get('openid.identity'), 'http://specs.openid.net/auth/2.0/identifier_select');
    assert.equal(result.status, 'verified', JSON.stringify(result));
    assert.equal(result.url, `${ps.base}/id/carol`);
  });

  const profile = {
    nickname: 'alice',
    email: 'alice@example.org',
    fullname: 'Zoë Ünal 山田 🙂',
    country: 'GB',
  };
  for (const version of ['2.0', '1.1'] as const) {
    for (const mode of ['DH-SHA1', 'stateless'] as const) {
      test(`OpenID ${version}, ${mode}: an SReg request is understood and the answer read signed, UTF-8 intact`, async () => {
        let seen: unknown = null;
        ps.decision = (request: CheckIDRequest) => {
          const sreg = SRegRequest.fromCheckIdRequest(request);
          seen = sreg && { required: sreg.required, optional: sreg.optional, policyUrl: sreg.policyUrl };
          const response = request.answer(true);
          if (sreg) response.addExtension(SRegResponse.extractResponse(sreg, profile));
          return response;
        };
        const { result } = await login(
          consumer(mode),
          `${ps.base}/${version === '2.0' ? 'id' : 'id1'}/alice`,
          {
            sreg: { required: 'email', optional: 'fullname,dob', policy_url: 'http://rp.example/policy' },
          },
        );
        ps.decision = 'allow';
        assert.deepEqual(seen, {
          required: ['email'],
          optional: ['fullname', 'dob'],
          policyUrl: 'http://rp.example/policy',
        });
        assert.equal(result.status, 'verified', JSON.stringify(result));
        // signed_extension_fields: only what the signature covers. dob was asked for and not released.
        assert.deepEqual(result.sreg, { email: 'alice@example.org', fullname: profile.fullname });
      });
    }
  }

  describe('edge cases', () => {
    test('discovery of the identity pages openid2 writes: XRDS by X-XRDS-Location, 2.0 and 1.x <link>s, with delegation', async () => {
      ps.decision = 'allow';
      const local = `${ps.base}/id/alice`;
      // /yadis names a dead endpoint in its links and the live one in its XRDS: only XRDS discovery succeeds.
      const page = createServer((req, res) => {
        const base = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
        if (req.url === '/xrds') {
          res.setHeader('content-type', 'application/xrds+xml');
          res.end(identityPageXrds(ps.endpoint, local));
          return;
        }
        res.setHeader('content-type', 'text/html');
        if (req.url === '/yadis')
          res.end(identityPageHtml({ opEndpoint: 'http://127.0.0.1:9/dead', xrdsUrl: `${base}/xrds` }));
        else if (req.url === '/v1') res.end(identityPageHtml1({ opEndpoint: ps.endpoint, delegate: local }));
        else res.end(identityPageHtml({ opEndpoint: ps.endpoint, localId: local }));
      });
      await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
      try {
        const base = `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
        for (const [path, version] of [
          ['/yadis', '2.0'],
          ['/me', '2.0'],
          ['/v1', '1.x'],
        ] as const) {
          let asked: unknown = null;
          ps.decision = (request) => {
            asked = {
              version: request.message.isOpenID2() ? '2.0' : '1.x',
              identity: request.identity,
              claimed: request.claimedId,
            };
            return request.answer(true);
          };
          const claimed = `${base}${path}`;
          const { result } = await login(consumer('DH-SHA1'), claimed);
          // The provider answers for the local identifier; the consumer keeps the claimed one.
          // (1.x carries no claimed_id: the request names the delegate, and the consumer keeps its
          // claimed identifier in return_to, oic.identity.)
          assert.deepEqual(asked, { version, identity: local, claimed: version === '2.0' ? claimed : local });
          assert.equal(result.status, 'verified', `${path}: ${JSON.stringify(result)}`);
          assert.equal(result.url, claimed);
        }
      } finally {
        ps.decision = 'allow';
        page.closeAllConnections();
        await new Promise<void>((r) => page.close(() => r()));
      }
    });

    for (const mode of ['DH-SHA1', 'stateless'] as const) {
      test(`a signed field changed on the way back fails (${mode})`, async () => {
        ps.decision = (request) => {
          const response = request.answer(true);
          const sreg = SRegRequest.fromCheckIdRequest(request);
          if (sreg) response.addExtension(SRegResponse.extractResponse(sreg, profile));
          return response;
        };
        const c = consumer(mode);
        const begun = await c.begin({
          identifier: `${ps.base}/id/alice`,
          realm: REALM,
          return_to: RETURN_TO,
          sreg: { required: 'email' },
        });
        const back = new URL((await follow(begun.check_url)).url);
        ps.decision = 'allow';
        assert.ok(back.searchParams.get('openid.signed')?.split(',').includes('sreg.email'));
        back.searchParams.set('openid.sreg.email', 'mallory@example.org');
        const start = ps.log.length;
        const result = await c.complete(back.toString());
        if (mode === 'stateless') {
          assert.equal(result.errcode, 'naive_verify_failed_return', JSON.stringify(result));
          assert.deepEqual(ps.log.slice(start), ['check_authentication']);
        } else {
          assert.equal(result.errcode, 'signature_mismatch', JSON.stringify(result));
          assert.deepEqual(ps.log.slice(start), []);
        }
      });
    }

    test('a handle the provider forgot: it signs statelessly with invalidate_handle; the consumer checks and re-associates', async () => {
      ps.decision = 'allow';
      const c = consumer('DH-SHA1');
      const first = await c.begin({ identifier: `${ps.base}/id/alice`, realm: REALM, return_to: RETURN_TO });
      const handle = new URL(first.check_url).searchParams.get('openid.assoc_handle');
      assert.ok(handle);
      assert.equal(await ps.op.store.removeAssociation(`${ps.endpoint}#shared`, handle), true);
      const start = ps.log.length;
      const back = await follow(first.check_url);
      assert.equal(new URL(back.url).searchParams.get('openid.invalidate_handle'), handle);
      const second = await c.complete(back.url);
      assert.equal(second.status, 'verified', JSON.stringify(second) + c.stderr());
      const third = await login(c, `${ps.base}/id/alice`);
      assert.equal(third.result.status, 'verified', JSON.stringify(third.result));
      assert.notEqual(new URL(third.checkUrl).searchParams.get('openid.assoc_handle'), handle);
      // The consumer dropped the dead handle (our check_authentication answer named it) and made a new one.
      assert.deepEqual(ps.log.slice(start), [
        'checkid_setup',
        'check_authentication',
        'associate',
        'checkid_setup',
      ]);
    });

    test('an answer too long for a URL comes as our form POST, which the consumer reads', async () => {
      ps.decision = 'allow';
      const { result, body } = await login(consumer('DH-SHA1'), `${ps.base}/id/alice`, {
        return_to: `http://rp.example/return?pad=${'x'.repeat(2100)}`,
      });
      assert.ok(body, 'expected a form POST');
      assert.equal(result.status, 'verified', JSON.stringify(result));
    });

    test('return_to arguments with +, escapes and UTF-8 come back as sent', async () => {
      ps.decision = 'allow';
      const { result, url } = await login(consumer('DH-SHA1'), `${ps.base}/id/alice`, {
        return_to: 'http://rp.example/return?q=a+b%2Bc&u=%C3%A9t%C3%A9&sp=x%20y&amp=%26',
      });
      const args = new URL(url).searchParams;
      assert.deepEqual(
        ['q', 'u', 'sp', 'amp'].map((k) => args.get(k)),
        ['a b+c', 'été', 'x y', '&'],
      );
      assert.equal(result.status, 'verified', JSON.stringify(result));
    });
  });
});
