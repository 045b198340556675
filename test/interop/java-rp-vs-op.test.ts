/**
 * Interop: openid4java's consumer (ConsumerManager, Debian's
 * libopenid4java-java 1.0) logs in at this package's Provider over real HTTP
 * on 127.0.0.1 (test/helpers/op-server.ts). JavaRp.java is compiled once for
 * the file and one JVM holds every consumer. The browser is simulated by
 * following the provider's redirect with fetch. Covers Yadis (XRDS) and HTML
 * discovery, HMAC-SHA256 over DH-SHA256 and HMAC-SHA1 over DH-SHA1, stateless
 * verification (check_authentication), cancel, tampering, replay, SReg and AX.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AXFetchRequest, AXFetchResponse } from '../../src/extensions/ax.js';
import { AX_TYPES } from '../../src/extensions/ax-types.js';
import { SRegRequest, SRegResponse } from '../../src/extensions/sreg.js';
import { identityPageHtml } from '../../src/op/identity-pages.js';
import type { CheckIDRequest } from '../../src/op/requests.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import {
  compileJava,
  type JavaBegin,
  type JavaBuild,
  type JavaConsumer,
  type JavaConsumerMode,
  JavaRelyingParties,
  javaInteropSkipReason,
} from './java.js';

const skip = javaInteropSkipReason();
const REALM = 'http://rp.example/';
const RETURN_TO = 'http://rp.example/return?sid=1';
/** The MAC length of each association type (§6.2): the signature tells which key signed. */
const MAC_BYTES: Record<JavaConsumerMode, number | null> = {
  'DH-SHA256': 32,
  'DH-SHA1': 20,
  stateless: null,
};

describe('openid4java consumer → Provider', { skip }, () => {
  let ps: ProviderServer;
  let build: JavaBuild | undefined;
  let rps: JavaRelyingParties | undefined;
  before(async () => {
    build = await compileJava('JavaRp.java');
    rps = await JavaRelyingParties.start(build);
    ps = await startProviderServer();
  });
  after(async () => {
    await rps?.close();
    build?.remove();
    await ps?.close();
  });

  const consumer = (mode: JavaConsumerMode) => (rps as JavaRelyingParties).consumer(mode);

  async function begin(c: JavaConsumer, identifier: string, extra: Partial<JavaBegin> = {}) {
    return c.begin({ identifier, realm: REALM, return_to: RETURN_TO, ...extra });
  }

  const profile = { nickname: 'alice', email: 'alice@example.org', fullname: 'Alice Liddell', country: 'GB' };
  /** Our provider answering with what openid4java asked for, through this package's extension API. */
  function answerWithExtensions(request: CheckIDRequest) {
    const response = request.allow();
    const sreg = SRegRequest.fromCheckIdRequest(request);
    if (sreg) response.addExtension(SRegResponse.extractResponse(sreg, profile));
    const ax = AXFetchRequest.fromCheckIdRequest(request);
    if (ax)
      response.addExtension(
        AXFetchResponse.extractResponse(ax, {
          [AX_TYPES.email]: 'alice@example.org',
          [AX_TYPES.nickname]: ['alice', 'ally'],
        }),
      );
    return response;
  }

  for (const mode of ['DH-SHA256', 'DH-SHA1', 'stateless'] as const) {
    const associates = mode !== 'stateless';
    describe(mode, () => {
      test('XRDS discovery, then a positive assertion verified as the claimed id; replay refused', async () => {
        ps.decision = 'allow';
        const c = await consumer(mode);
        const claimed = `${ps.base}/id/alice`;
        const start = ps.log.length;
        const begun = await begin(c, claimed);
        // Our XRDS lists the OpenID 2.0 signon service first, then 1.1 (§7.3.2.1.2), no local id.
        assert.deepEqual(begun.services, [
          `http://specs.openid.net/auth/2.0/signon ${ps.endpoint} ${claimed} null`,
          `http://openid.net/signon/1.1 ${ps.endpoint} ${claimed} null`,
        ]);
        assert.equal(begun.version2, true);
        const sent = new URL(begun.redirectUrl).searchParams;
        assert.equal(sent.get('openid.mode'), 'checkid_setup');
        assert.equal(sent.get('openid.claimed_id'), claimed);
        assert.equal(sent.has('openid.assoc_handle'), associates);
        const back = await browse(begun.redirectUrl);
        const args = new URL(back.url).searchParams;
        assert.equal(args.get('openid.mode'), 'id_res');
        assert.equal(args.get('openid.claimed_id'), claimed);
        // Associated: signed with the handle openid4java sent; stateless: with a private one of ours (§10.1).
        if (associates) assert.equal(args.get('openid.assoc_handle'), sent.get('openid.assoc_handle'));
        else assert.ok(args.get('openid.assoc_handle'));
        const mac = MAC_BYTES[mode];
        if (mac !== null) assert.equal(Buffer.from(args.get('openid.sig') ?? '', 'base64').length, mac);
        const result = await c.complete(back.url, back.body);
        assert.equal(result.verified, claimed, JSON.stringify(result) + rps?.stderr);
        assert.equal(result.response, 'AuthSuccess');
        assert.deepEqual(ps.log.slice(start), [
          ...(associates ? ['associate'] : []),
          'checkid_setup',
          ...(associates ? [] : ['check_authentication']),
        ]);

        // The same answer again at the same consumer: openid4java remembers the nonce (§11.3).
        const replay = await c.complete(back.url, back.body);
        assert.equal(replay.verified, null, JSON.stringify(replay));
        assert.match(replay.message, /Nonce verification failed/);

        // At a consumer that has not seen the nonce and holds no association, the signature must be checked by
        // this Provider, which refuses: a shared association's signature is never confirmed (§11.4.2.1), and a
        // private one is confirmed once only.
        const other = await consumer('stateless');
        await begin(other, claimed);
        const mark = ps.log.length;
        const elsewhere = await other.complete(back.url, back.body);
        assert.equal(elsewhere.verified, null, JSON.stringify(elsewhere));
        assert.deepEqual(ps.log.slice(mark), ['check_authentication']);
      });

      test('a signed field changed on the way back is not verified', async () => {
        ps.decision = (request) => answerWithExtensions(request);
        try {
          const c = await consumer(mode);
          const begun = await begin(c, `${ps.base}/id/alice`, { sreg: { required: ['email'] } });
          const back = new URL((await browse(begun.redirectUrl)).url);
          assert.ok(back.searchParams.get('openid.signed')?.split(',').includes('sreg.email'));
          back.searchParams.set('openid.sreg.email', 'mallory@example.org');
          const start = ps.log.length;
          const result = await c.complete(back.toString());
          assert.equal(result.verified, null, JSON.stringify(result));
          // Associated: openid4java recomputes the HMAC itself; stateless: our check_authentication says no.
          assert.deepEqual(ps.log.slice(start), associates ? [] : ['check_authentication']);
        } finally {
          ps.decision = 'allow';
        }
      });

      test('deny at the provider is a negative assertion (cancel, §10.2.2)', async () => {
        ps.decision = 'deny';
        try {
          const c = await consumer(mode);
          const begun = await begin(c, `${ps.base}/id/alice`);
          const back = await browse(begun.redirectUrl);
          assert.equal(new URL(back.url).searchParams.get('openid.mode'), 'cancel');
          const result = await c.complete(back.url, back.body);
          assert.equal(result.verified, null);
          assert.equal(result.response, 'AuthFailure');
        } finally {
          ps.decision = 'allow';
        }
      });
    });
  }

  test('checkid_immediate the Provider cannot answer is setup_needed (§10.2.1), read as AuthImmediateFailure', async () => {
    ps.decision = 'deny';
    try {
      const c = await consumer('DH-SHA256');
      const begun = await begin(c, `${ps.base}/id/alice`, { immediate: true });
      assert.equal(new URL(begun.redirectUrl).searchParams.get('openid.mode'), 'checkid_immediate');
      const back = await browse(begun.redirectUrl);
      assert.equal(new URL(back.url).searchParams.get('openid.mode'), 'setup_needed');
      const result = await c.complete(back.url, back.body);
      assert.equal(result.verified, null);
      assert.equal(result.response, 'AuthImmediateFailure');
    } finally {
      ps.decision = 'allow';
    }
  });

  test('OpenID 1.1 (an HTML page with openid.server only), DH-SHA1: verified, replay refused', async () => {
    ps.decision = 'allow';
    const c = await consumer('DH-SHA1');
    const claimed = `${ps.base}/id1/alice`;
    const start = ps.log.length;
    const begun = await begin(c, claimed);
    assert.equal(begun.version2, false);
    const sent = new URL(begun.redirectUrl).searchParams;
    assert.equal(sent.has('openid.ns'), false); // OpenID 1.x messages carry no namespace
    assert.equal(sent.get('openid.identity'), claimed);
    // Quirk: openid4java puts its own nonce and an HMAC over it into the OpenID 1.x return_to as openid.rpnonce
    // and openid.rpsig. Our Provider refuses other openid.* return_to parameters (return_to_openid_args) but
    // lets these two exact names through: no answer field has them.
    const returnTo = new URL(sent.get('openid.return_to') ?? '').searchParams;
    assert.deepEqual(
      [...returnTo.keys()].filter((k) => k.startsWith('openid')),
      ['openid.rpnonce', 'openid.rpsig'],
    );
    const back = await browse(begun.redirectUrl);
    const args = new URL(back.url).searchParams;
    assert.equal(args.has('openid.claimed_id'), false); // new in 2.0 (§10.1)
    assert.equal(args.get('openid.assoc_handle'), sent.get('openid.assoc_handle'));
    const result = await c.complete(back.url, back.body);
    assert.equal(result.verified, claimed, JSON.stringify(result) + rps?.stderr);
    assert.deepEqual(ps.log.slice(start), ['associate', 'checkid_setup']);
    // OpenID 1.1 has no response_nonce: openid4java adds its own nonce to return_to and remembers it.
    const replay = await c.complete(back.url, back.body);
    assert.equal(replay.verified, null, JSON.stringify(replay));
  });

  test('identifier_select through our OP identifier XRDS: the Provider picks the identity (§7.3.2.1.1)', async () => {
    let asked: { identity: string | null; idSelect: boolean } | null = null;
    ps.decision = (request, base) => {
      asked = { identity: request.identity, idSelect: request.idSelect() };
      return request.allow({ identity: `${base}/id/carol` });
    };
    try {
      const c = await consumer('DH-SHA256');
      const begun = await begin(c, `${ps.base}/`);
      assert.deepEqual(begun.services, [`http://specs.openid.net/auth/2.0/server ${ps.endpoint} null null`]);
      const back = await browse(begun.redirectUrl);
      const result = await c.complete(back.url, back.body);
      assert.deepEqual(asked, {
        identity: 'http://specs.openid.net/auth/2.0/identifier_select',
        idSelect: true,
      });
      assert.equal(result.verified, `${ps.base}/id/carol`, JSON.stringify(result) + rps?.stderr);
    } finally {
      ps.decision = 'allow';
    }
  });

  test('an answer too long for a URL arrives as our form POST (§5.2.1) and openid4java verifies it', async () => {
    ps.decision = 'allow';
    const c = await consumer('DH-SHA256');
    const returnTo = `http://rp.example/return?pad=${'x'.repeat(2100)}`;
    const begun = await begin(c, `${ps.base}/id/alice`, { return_to: returnTo });
    const back = await browse(begun.redirectUrl);
    assert.ok(back.body, 'expected the answer as a form POST');
    assert.equal(back.url, returnTo);
    const result = await c.complete(back.url, back.body);
    assert.equal(result.verified, `${ps.base}/id/alice`, JSON.stringify(result) + rps?.stderr);
  });

  test('HTML discovery of the identity page openid2 writes (openid2.provider and openid2.local_id links)', async () => {
    // A personal page, HTML only whatever the Accept header, delegating to /id/alice (§7.3.3).
    const page = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(identityPageHtml({ opEndpoint: ps.endpoint, localId: `${ps.base}/id/alice` }));
    });
    await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
    try {
      const claimed = `http://127.0.0.1:${(page.address() as AddressInfo).port}/me`;
      let asked: { identity: string | null; claimed: string | null; v2: boolean } | null = null;
      ps.decision = (request) => {
        asked = { identity: request.identity, claimed: request.claimedId, v2: request.message.isOpenID2() };
        return request.allow();
      };
      const c = await consumer('DH-SHA256');
      const begun = await begin(c, claimed);
      assert.equal(begun.version2, true);
      const back = await browse(begun.redirectUrl);
      const result = await c.complete(back.url, back.body);
      assert.deepEqual(asked, { identity: `${ps.base}/id/alice`, claimed, v2: true });
      assert.equal(result.verified, claimed, JSON.stringify(result));
    } finally {
      ps.decision = 'allow';
      page.closeAllConnections();
      await new Promise<void>((r) => page.close(() => r()));
    }
  });

  for (const mode of ['DH-SHA256', 'stateless'] as const) {
    test(`${mode}: SReg and AX requests are understood and the answers read from the signed assertion`, async () => {
      let seen: { sreg: unknown; ax: unknown } | null = null;
      ps.decision = (request) => {
        const sreg = SRegRequest.fromCheckIdRequest(request);
        seen = {
          sreg: sreg && [sreg.required, sreg.optional],
          ax: AXFetchRequest.fromCheckIdRequest(request)?.attributes.map((a) => [
            a.typeUri,
            a.required,
            a.count,
          ]),
        };
        return answerWithExtensions(request);
      };
      try {
        const c = await consumer(mode);
        const begun = await begin(c, `${ps.base}/id/alice`, {
          sreg: { required: ['email'], optional: ['nickname', 'fullname'] },
          ax: [
            ['email', AX_TYPES.email, true, 1],
            ['nick', AX_TYPES.nickname, false, 2],
            ['country', AX_TYPES.country, false, 1],
          ],
        });
        const back = await browse(begun.redirectUrl);
        const result = await c.complete(back.url, back.body);
        assert.deepEqual(seen, {
          sreg: [['email'], ['nickname', 'fullname']],
          ax: [
            [AX_TYPES.email, true, 1],
            [AX_TYPES.nickname, false, 2],
            [AX_TYPES.country, false, 1],
          ],
        });
        assert.equal(result.verified, `${ps.base}/id/alice`, JSON.stringify(result));
        // The driver reads the extensions only from a verified AuthSuccess.
        assert.deepEqual(result.sreg, {
          email: 'alice@example.org',
          nickname: 'alice',
          fullname: 'Alice Liddell',
        });
        assert.deepEqual(result.ax, {
          [AX_TYPES.email]: ['alice@example.org'],
          [AX_TYPES.nickname]: ['alice', 'ally'],
        });
      } finally {
        ps.decision = 'allow';
      }
    });
  }
});
