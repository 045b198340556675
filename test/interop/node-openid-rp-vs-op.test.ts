/**
 * Interop: node-openid (the `openid` npm package, the library behind
 * passport-openid and passport-steam) as the relying party, signing in at this
 * package's Provider served over real HTTP on 127.0.0.1
 * (test/helpers/op-server.ts). node-openid runs in this process through its
 * public API (test/interop/node-openid.ts), a fresh copy of its module where a
 * test needs empty maps; the browser is simulated by following the provider's
 * redirect with fetch. Covers OpenID 2.0 with an association (HMAC-SHA256 over
 * DH-SHA256, node-openid's choice, and HMAC-SHA1 over DH-SHA1), stateless
 * check_authentication, strict mode, XRDS, Yadis-meta and HTML discovery,
 * delegation, identifier_select, SReg + AX, UTF-8 values, return_to
 * arguments, a form POST answer, OpenID 1.1, cancel, setup_needed, a lost
 * association (invalidate_handle), tampering and replay. Where node-openid
 * departs from the spec the test names the quirk and asserts what the spec
 * requires of the provider.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AXFetchRequest, AXFetchResponse } from '../../src/extensions/ax.js';
import { AX_TYPES } from '../../src/extensions/ax-types.js';
import { SRegRequest, SRegResponse } from '../../src/extensions/sreg.js';
import { identityPageHtml, identityPageXrds } from '../../src/op/identity-pages.js';
import type { CheckIDRequest } from '../../src/op/requests.js';
import { IDENTIFIER_SELECT } from '../../src/protocol/constants.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import { errorText, NodeOpenIdRp, type NodeOpenIdRpOptions } from './node-openid.js';

const REALM = 'http://rp.example/';
const RETURN_TO = 'http://rp.example/return?sid=1';

describe('node-openid RelyingParty → Provider', () => {
  let ps: ProviderServer;
  /** A site's own identity pages (HTML only, XRDS only, Yadis meta), pointing at the provider. */
  let pages: Server;
  let pagesBase = '';

  before(async () => {
    ps = await startProviderServer();
    pages = createServer((req, res) => {
      const local = `${ps.base}/id/alice`;
      const xrds = (localId?: string) => {
        res.setHeader('content-type', 'application/xrds+xml');
        res.end(identityPageXrds(ps.endpoint, localId));
      };
      const html = (body: string) => {
        res.setHeader('content-type', 'text/html');
        res.end(body);
      };
      switch (req.url) {
        case '/html': // HTML only, whatever the Accept header (§7.3.3)
          return html(identityPageHtml({ opEndpoint: ps.endpoint }));
        case '/html-delegate':
          return html(identityPageHtml({ opEndpoint: ps.endpoint, localId: local }));
        case '/xrds-delegate': // XRDS whatever the Accept header (Yadis §6.2.4)
          return xrds(local);
        case '/meta': // HTML naming its XRDS in an X-XRDS-Location meta element (Yadis §6.2.5)
          return html(identityPageHtml({ opEndpoint: ps.endpoint, xrdsUrl: `${pagesBase}/xrds-delegate` }));
        default:
          res.statusCode = 404;
          res.end('not found');
      }
    });
    await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
    pagesBase = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  });
  after(async () => {
    await ps?.close();
    pages?.closeAllConnections();
    await new Promise<void>((r) => (pages ? pages.close(() => r()) : r()));
  });

  /** What the provider was asked, recorded by the decision; `answer` decides (default: allow as asked). */
  function recordRequests(
    answer?: (request: CheckIDRequest, base: string) => ReturnType<CheckIDRequest['allow']>,
  ) {
    const asked: { claimed: string | null; identity: string | null; idSelect: boolean; mode: string }[] = [];
    ps.decision = (request, base) => {
      asked.push({
        claimed: request.claimedId,
        identity: request.identity,
        idSelect: request.idSelect(),
        mode: request.mode,
      });
      return (answer ?? allowAsAsked)(request, base);
    };
    return asked;
  }

  /** Allow; an identifier_select request is answered for the provider's signed-in user (§9.1). */
  function allowAsAsked(request: CheckIDRequest, base: string) {
    return request.allow(request.idSelect() ? { identity: `${base}/id/${ps.user}` } : {});
  }

  /**
   * authenticate(), then the browser's trip through the provider; returns the URL the provider sent the user back
   * to. Quirk "DH secret not btwoc": Node's computeSecret zero-pads the Diffie-Hellman secret to the modulus
   * length and node-openid hashes it as it comes (§8.4.2 hashes btwoc(g^(xa*xb) mod p), the minimal form), so
   * when the secret's top byte is zero (about 1 association in 440) its MAC key would differ from the one sent.
   * Our provider draws its DH key again in that case (src/protocol/dh.ts), so every association node-openid
   * makes must hold the provider's key: compared here with the provider's own store.
   */
  async function signIn(
    node: NodeOpenIdRp,
    options: Partial<NodeOpenIdRpOptions>,
    identifier: string,
    answer: 'redirect' | 'form' = 'redirect',
  ) {
    const rp = node.relyingParty({ returnUrl: RETURN_TO, realm: REALM, ...options });
    const begun = await rp.authenticate(identifier, false);
    assert.ok(begun.url, `authenticate failed: ${errorText(begun.error)}`);
    const handle = new URL(begun.url).searchParams.get('openid.assoc_handle');
    if (handle !== null) {
      const ours = await ps.op.store.getAssociation(`${ps.endpoint}#shared`, handle);
      assert.ok(ours, 'the handle node-openid sends is one the provider issued');
      assert.equal(
        node.associations.get(handle)?.secret,
        Buffer.from(ours.secret).toString('base64'),
        'node-openid derived the MAC key the provider holds',
      );
    }
    const back = await browse(begun.url);
    assert.equal(back.body === undefined, answer === 'redirect', `expected the answer as a ${answer}`);
    return { rp, request: new URL(begun.url).searchParams, back: back.url, body: back.body, handle };
  }

  for (const { name, algorithm, assocType, macType } of [
    { name: 'HMAC-SHA256 over DH-SHA256', algorithm: undefined, assocType: 'HMAC-SHA256', macType: 'sha256' },
    { name: 'HMAC-SHA1 over DH-SHA1', algorithm: 'DH-SHA1', assocType: 'HMAC-SHA1', macType: 'sha1' },
  ] as const) {
    test(`OpenID 2.0 with an association, ${name}: verified by node-openid itself; a replay is refused by its nonce map`, async () => {
      const asked = recordRequests();
      const node = new NodeOpenIdRp();
      const start = ps.log.length;
      const { rp, request, back, handle } = await signIn(
        node,
        algorithm ? { algorithm } : {},
        `${ps.base}/id/alice`,
      );
      assert.equal(request.get('openid.mode'), 'checkid_setup');
      assert.ok(handle);
      assert.equal((await ps.op.store.getAssociation(`${ps.endpoint}#shared`, handle))?.assocType, assocType);
      assert.equal(node.associations.get(handle)?.type, macType);
      const outcome = await rp.verify(back);
      assert.equal(outcome.error, null, errorText(outcome.error));
      assert.equal(outcome.result?.authenticated, true);
      assert.equal(outcome.result?.claimedIdentifier, `${ps.base}/id/alice`);
      // Verified with the shared association: no check_authentication (§11.4.2 is for stateless RPs).
      const modes = ps.log.slice(start).filter((m) => m !== 'associate');
      assert.deepEqual(modes, ['checkid_setup']);
      assert.equal(asked.length, 1);
      const answer = new URL(back).searchParams;
      assert.equal(answer.get('openid.assoc_handle'), handle);
      assert.equal(answer.get('openid.op_endpoint'), ps.endpoint);

      // The same assertion again, in the same process: node-openid's nonce map refuses it (§11.3).
      const beforeReplay = ps.log.length;
      const again = await rp.verify(back);
      assert.notEqual(again.result?.authenticated, true);
      assert.match(errorText(again.error), /replayed nonce/);
      // Quirk "nonces per process": a second process of the same site, sharing the association store (the
      // storage hooks node-openid documents) but not the nonces, which live in a module map, accepts the replay.
      // §11.3 puts replay detection on the RP; the provider is never asked, so it cannot refuse.
      const second = new NodeOpenIdRp();
      second.shareAssociationsOf(node);
      const replay = await second.relyingParty({ returnUrl: RETURN_TO, realm: REALM }).verify(back);
      assert.equal(replay.result?.authenticated, true, errorText(replay.error));
      // A process without the association cannot verify it at all.
      const third = await new NodeOpenIdRp()
        .relyingParty({ returnUrl: RETURN_TO, realm: REALM })
        .verify(back);
      assert.notEqual(third.result?.authenticated, true);
      assert.match(errorText(third.error), /Invalid association handle/);
      assert.deepEqual(ps.log.slice(beforeReplay), []);
    });
  }

  test('quirk: node-openid asks for a new association at every login, and never reuses one it holds', async () => {
    recordRequests();
    const node = new NodeOpenIdRp();
    const handles: string[] = [];
    for (let i = 0; i < 2; i++) {
      const start = ps.log.length;
      const { rp, back, handle } = await signIn(node, {}, `${ps.base}/id/alice`);
      assert.ok(handle);
      handles.push(handle);
      assert.equal((await rp.verify(back)).result?.authenticated, true);
      // One associate per login at least (more when the key quirk above made signIn ask again).
      assert.ok(ps.log.slice(start).filter((m) => m === 'associate').length >= 1);
    }
    assert.notEqual(handles[0], handles[1]);
    // Both stay in the provider's store for the whole association lifetime (§8.2.1 expires_in).
    for (const h of handles) assert.ok(await ps.op.store.getAssociation(`${ps.endpoint}#shared`, h));
  });

  test('quirk: an association the provider no longer holds (invalidate_handle, §10.1) fails in node-openid instead of check_authentication', async () => {
    recordRequests();
    const node = new NodeOpenIdRp();
    // Not signIn: the association is dropped at the provider (a restart, an expiry) before the browser's trip.
    const rp = node.relyingParty({ returnUrl: RETURN_TO, realm: REALM });
    const begun = await rp.authenticate(`${ps.base}/id/alice`, false);
    assert.ok(begun.url, errorText(begun.error));
    const handle = new URL(begun.url).searchParams.get('openid.assoc_handle') as string;
    assert.equal(await ps.op.store.removeAssociation(`${ps.endpoint}#shared`, handle), true);
    const start = ps.log.length;
    const back = (await browse(begun.url)).url;
    // §10.1: signed with a private association, the handle the RP sent named in invalidate_handle.
    const answer = new URL(back).searchParams;
    assert.equal(answer.get('openid.invalidate_handle'), handle);
    assert.notEqual(answer.get('openid.assoc_handle'), handle);
    // §11.4.2: an RP with no association for the handle must verify directly with the provider. node-openid
    // looks the handle up in its own store only and fails the login.
    const outcome = await rp.verify(back);
    assert.notEqual(outcome.result?.authenticated, true);
    assert.match(errorText(outcome.error), /Invalid association handle/);
    assert.deepEqual(ps.log.slice(start), ['checkid_setup']);
    // The assertion is good: node-openid in stateless mode (another process, so its nonce is new there) has it
    // confirmed by the provider's check_authentication.
    const stateless = new NodeOpenIdRp().relyingParty({
      returnUrl: RETURN_TO,
      realm: REALM,
      stateless: true,
    });
    const confirmed = await stateless.verify(back);
    assert.equal(confirmed.result?.authenticated, true, errorText(confirmed.error));
    assert.deepEqual(ps.log.slice(start), ['checkid_setup', 'check_authentication']);
  });

  test('stateless: no association, verified by check_authentication; a replay in another process is refused by the provider (§11.4.2.1)', async () => {
    recordRequests();
    const node = new NodeOpenIdRp();
    const start = ps.log.length;
    const { rp, request, back } = await signIn(node, { stateless: true }, `${ps.base}/id/alice`);
    assert.equal(request.has('openid.assoc_handle'), false);
    const outcome = await rp.verify(back);
    assert.equal(outcome.error, null, errorText(outcome.error));
    assert.equal(outcome.result?.authenticated, true);
    assert.equal(outcome.result?.claimedIdentifier, `${ps.base}/id/alice`);
    assert.deepEqual(ps.log.slice(start), ['checkid_setup', 'check_authentication']);
    assert.equal(node.associations.size, 0);

    // Same process: node-openid's nonce map refuses it before asking anyone.
    const beforeReplay = ps.log.length;
    const again = await rp.verify(back);
    assert.notEqual(again.result?.authenticated, true);
    assert.match(errorText(again.error), /replayed nonce/);
    assert.deepEqual(ps.log.slice(beforeReplay), []);
    // Another process has not seen the nonce and asks the provider, which confirms a signature once only.
    const other = new NodeOpenIdRp().relyingParty({ returnUrl: RETURN_TO, realm: REALM, stateless: true });
    const replay = await other.verify(back);
    assert.notEqual(replay.result?.authenticated, true);
    assert.match(errorText(replay.error), /Invalid signature/);
    assert.deepEqual(ps.log.slice(beforeReplay), ['check_authentication']);
  });

  test('strict mode: the login succeeds (DH over http is allowed); an identifier with nothing to discover fails locally', async () => {
    recordRequests();
    const node = new NodeOpenIdRp();
    const { rp, back, handle } = await signIn(node, { strict: true }, `${ps.base}/id/alice`);
    assert.ok(handle, 'strict mode still associates: only no-encryption over http is refused');
    const outcome = await rp.verify(back);
    assert.equal(outcome.result?.authenticated, true, errorText(outcome.error));
    // Strict mode never falls back to a third party's host-meta proxy: the 404 page, its host-meta, then done.
    const none = await node
      .relyingParty({ returnUrl: RETURN_TO, realm: REALM, strict: true })
      .authenticate(`${pagesBase}/nobody`);
    assert.equal(none.url, undefined);
    assert.match(errorText(none.error), /No providers found/);
  });

  test("quirk: XRDS of a claimed identifier without LocalID makes node-openid send identifier_select; the provider's pick is accepted", async () => {
    // §7.3.2.1.2 / §7.3.2.3: a claimed identifier element (signon type) means claimed_id = the identifier the user
    // typed, identity = LocalID or, without one, that same identifier. node-openid takes a signon service with no
    // LocalID for an OP identifier element and asks identifier_select, so the provider may answer for any user.
    ps.user = 'carol';
    const asked = recordRequests();
    try {
      const node = new NodeOpenIdRp();
      const { rp, request, back } = await signIn(node, {}, `${ps.base}/id/bob`);
      assert.equal(request.get('openid.claimed_id'), IDENTIFIER_SELECT);
      assert.deepEqual(asked, [
        { claimed: IDENTIFIER_SELECT, identity: IDENTIFIER_SELECT, idSelect: true, mode: 'checkid_setup' },
      ]);
      // The provider answered identifier_select as §9.1 allows, with the identity it chose (§10.1).
      const outcome = await rp.verify(back);
      assert.equal(outcome.result?.authenticated, true, errorText(outcome.error));
      assert.equal(outcome.result?.claimedIdentifier, `${ps.base}/id/carol`);
    } finally {
      ps.user = 'alice';
    }
  });

  test('identifier_select through the OP identifier: the provider picks the identity (§7.3.2.1.1, §9.1)', async () => {
    ps.user = 'carol';
    const asked = recordRequests();
    try {
      for (const stateless of [false, true]) {
        asked.length = 0;
        const { rp, back } = await signIn(new NodeOpenIdRp(), { stateless }, `${ps.base}/`);
        assert.deepEqual(asked, [
          { claimed: IDENTIFIER_SELECT, identity: IDENTIFIER_SELECT, idSelect: true, mode: 'checkid_setup' },
        ]);
        const answer = new URL(back).searchParams;
        assert.equal(answer.get('openid.claimed_id'), `${ps.base}/id/carol`);
        assert.equal(answer.get('openid.identity'), `${ps.base}/id/carol`);
        const outcome = await rp.verify(back);
        assert.equal(outcome.result?.authenticated, true, errorText(outcome.error));
        assert.equal(outcome.result?.claimedIdentifier, `${ps.base}/id/carol`);
      }
    } finally {
      ps.user = 'alice';
    }
  });

  for (const { name, path, delegated } of [
    { name: 'HTML discovery (openid2.provider link, §7.3.3)', path: '/html', delegated: false },
    { name: 'delegation by HTML (openid2.local_id link, §7.3.3)', path: '/html-delegate', delegated: true },
    { name: 'delegation by XRDS (LocalID, §7.3.2.1.2)', path: '/xrds-delegate', delegated: true },
    { name: 'Yadis through the X-XRDS-Location meta element, delegating', path: '/meta', delegated: true },
  ]) {
    test(`${name} of the identity pages openid2 writes`, async () => {
      const asked = recordRequests();
      const claimed = `${pagesBase}${path}`;
      for (const stateless of [false, true]) {
        asked.length = 0;
        const { rp, back } = await signIn(new NodeOpenIdRp(), { stateless }, claimed);
        // claimed_id is what the user typed; identity the OP-local identifier when the page delegates (§9.1).
        assert.deepEqual(asked, [
          {
            claimed,
            identity: delegated ? `${ps.base}/id/alice` : claimed,
            idSelect: false,
            mode: 'checkid_setup',
          },
        ]);
        const outcome = await rp.verify(back);
        assert.equal(outcome.result?.authenticated, true, errorText(outcome.error));
        assert.equal(outcome.result?.claimedIdentifier, claimed);
      }
    });
  }

  const profile = { nickname: 'alice', email: 'alice@example.org', fullname: 'Alice Liddell', country: 'GB' };
  for (const stateless of [false, true]) {
    test(`${stateless ? 'stateless' : 'with an association'}: SReg and AX requests understood, answers signed and read back`, async () => {
      let seen: unknown = null;
      recordRequests((request, base) => {
        const response = allowAsAsked(request, base);
        const sreg = SRegRequest.fromCheckIdRequest(request);
        const ax = AXFetchRequest.fromCheckIdRequest(request);
        seen = {
          sreg: sreg && [sreg.required, sreg.optional],
          ax: ax?.attributes.map((a) => [a.typeUri, a.required, a.count]),
        };
        if (sreg) response.addExtension(SRegResponse.extractResponse(sreg, profile));
        if (ax)
          response.addExtension(
            AXFetchResponse.extractResponse(ax, {
              [AX_TYPES.email]: 'alice@example.org',
              [AX_TYPES.nickname]: 'ally',
            }),
          );
        return response;
      });
      const node = new NodeOpenIdRp();
      const extensions = [
        node.sreg({ email: 'required', nickname: true, fullname: true }),
        node.ax({ [AX_TYPES.email]: 'required', [AX_TYPES.nickname]: 'optional' }),
      ];
      const { rp, back } = await signIn(node, { stateless, extensions }, `${ps.base}/id/alice`);
      assert.deepEqual(seen, {
        sreg: [['email'], ['nickname', 'fullname']],
        ax: [
          [AX_TYPES.email, true, 1],
          [AX_TYPES.nickname, false, 1],
        ],
      });
      // Every extension field the provider sends is signed (§10.1: "all extension fields"), since node-openid
      // reads values whether signed or not.
      const answer = new URL(back).searchParams;
      const signed = new Set(answer.get('openid.signed')?.split(','));
      const extFields = [...answer.keys()]
        .filter((k) => /^openid\.(ns\.)?(sreg|ax|ext\d+)\b/.test(k))
        .map((k) => k.slice('openid.'.length));
      assert.ok(extFields.length >= 5, extFields.join());
      for (const f of extFields) assert.ok(signed.has(f), `${f} is signed`);
      const outcome = await rp.verify(back);
      assert.equal(outcome.result?.authenticated, true, errorText(outcome.error));
      const r = outcome.result as Record<string, unknown>;
      // AX values, by type URI.
      assert.deepEqual([r[AX_TYPES.email], r[AX_TYPES.nickname]], ['alice@example.org', 'ally']);
      // Quirk "one result object": node-openid files SReg values and AX values (under its short names for
      // well-known type URIs) in the same object, extension after extension, so AX's nickname overwrites SReg's.
      assert.deepEqual([r.email, r.nickname, r.fullname], ['alice@example.org', 'ally', 'Alice Liddell']);
    });
  }

  test('deny at the provider is a cancel (§10.2.2); node-openid refuses it as an invalid return URL', async () => {
    recordRequests((request) => request.deny());
    const { rp, back } = await signIn(new NodeOpenIdRp(), {}, `${ps.base}/id/alice`);
    // §10.2.2: a negative assertion is openid.ns and openid.mode=cancel, nothing else.
    const answer = new URL(back).searchParams;
    assert.deepEqual(
      [...answer.keys()].filter((k) => k.startsWith('openid.')),
      ['openid.ns', 'openid.mode'],
    );
    assert.equal(answer.get('openid.mode'), 'cancel');
    // Quirk "return_to first": node-openid compares openid.return_to with its return URL before it reads the
    // mode, so an answer without return_to never reaches its cancel branch ("Authentication cancelled" with
    // authenticated: false): it fails as "Invalid return URL", with no result. Not authenticated either way.
    const outcome = await rp.verify(back);
    assert.notEqual(outcome.result?.authenticated, true);
    assert.match(errorText(outcome.error), /Invalid return URL/);
  });

  for (const stateless of [false, true]) {
    test(`${stateless ? 'stateless' : 'with an association'}: a signed field changed on the way back is refused`, async () => {
      recordRequests((request, base) => {
        const response = allowAsAsked(request, base);
        const sreg = SRegRequest.fromCheckIdRequest(request);
        if (sreg) response.addExtension(SRegResponse.extractResponse(sreg, profile));
        return response;
      });
      const node = new NodeOpenIdRp();
      const extensions = [node.sreg({ email: 'required' })];
      const { rp, back } = await signIn(node, { stateless, extensions }, `${ps.base}/id/alice`);
      const tampered = new URL(back);
      assert.ok(tampered.searchParams.get('openid.signed')?.split(',').includes('sreg.email'));
      tampered.searchParams.set('openid.sreg.email', 'mallory@example.org');
      const start = ps.log.length;
      const outcome = await rp.verify(tampered.toString());
      assert.notEqual(outcome.result?.authenticated, true);
      assert.match(errorText(outcome.error), /Invalid signature/);
      // With the association node-openid recomputes the HMAC itself; stateless, the provider answers
      // is_valid:false to check_authentication (§11.4.2.2).
      assert.deepEqual(ps.log.slice(start), stateless ? ['check_authentication'] : []);
    });
  }

  test('checkid_immediate the provider cannot answer is setup_needed (§10.2.1); node-openid does not know the mode', async () => {
    const asked = recordRequests((request) => request.deny());
    const node = new NodeOpenIdRp();
    const rp = node.relyingParty({ returnUrl: RETURN_TO, realm: REALM });
    const begun = await rp.authenticate(`${ps.base}/id/alice`, true);
    assert.ok(begun.url, errorText(begun.error));
    const back = await browse(begun.url);
    assert.equal(asked[0]?.mode, 'checkid_immediate');
    const answer = new URL(back.url).searchParams;
    assert.equal(answer.get('openid.mode'), 'setup_needed');
    assert.equal(answer.get('openid.ns'), 'http://specs.openid.net/auth/2.0');
    assert.equal(answer.has('openid.return_to'), false); // §10.2.1 defines no other field
    // Quirk: node-openid has no setup_needed outcome (it treats every mode but cancel and error as a positive
    // assertion), and it reads return_to first: the answer fails as "Invalid return URL". Not authenticated.
    const outcome = await rp.verify(back.url);
    assert.notEqual(outcome.result?.authenticated, true);
    assert.match(errorText(outcome.error), /Invalid return URL/);
  });
  test('OpenID 1.1 (openid.server page): associated and stateless logins with SReg; the provider refuses a stateless replay', async () => {
    const claimed = `${ps.base}/id1/alice`;
    let extensions: unknown[] = [];
    const asked = recordRequests((request, base) => {
      const response = allowAsAsked(request, base);
      const sreg = SRegRequest.fromCheckIdRequest(request);
      // AX is defined over OpenID 2.0 namespaces only (AX 1.0 §1): node-openid's AX fields in a 1.1 request are
      // not an AX request to this provider.
      extensions = [sreg && [sreg.required, sreg.optional], AXFetchRequest.fromCheckIdRequest(request)];
      if (sreg) response.addExtension(SRegResponse.extractResponse(sreg, profile));
      return response;
    });
    for (const stateless of [false, true]) {
      asked.length = 0;
      const start = ps.log.length;
      const node = new NodeOpenIdRp();
      const exts = [
        node.sreg({ email: 'required', nickname: true }),
        node.ax({ [AX_TYPES.email]: 'required' }),
      ];
      const { rp, request, back, handle } = await signIn(node, { stateless, extensions: exts }, claimed);
      assert.deepEqual(extensions, [[['email'], ['nickname']], null]);
      // An OpenID 1.1 request: no openid.ns, the realm as trust_root.
      assert.equal(request.has('openid.ns'), false);
      assert.equal(request.get('openid.trust_root'), REALM);
      assert.equal(asked[0]?.identity, claimed);
      if (!stateless) {
        assert.ok(handle);
        // OpenID 1.1 knows only HMAC-SHA1 (1.1 §4.1.1 / 2.0 §8.3).
        assert.equal(
          (await ps.op.store.getAssociation(`${ps.endpoint}#shared`, handle))?.assocType,
          'HMAC-SHA1',
        );
      }
      const answer = new URL(back).searchParams;
      assert.equal(answer.get('openid.mode'), 'id_res');
      assert.equal(answer.has('openid.ns'), false);
      const outcome = await rp.verify(back);
      assert.equal(outcome.result?.authenticated, true, errorText(outcome.error));
      assert.equal(outcome.result?.claimedIdentifier, claimed);
      // OpenID 1.1 declares no extension namespaces: bare openid.sreg.* fields, signed, read by node-openid.
      assert.equal(answer.has('openid.ns.sreg'), false);
      assert.ok(answer.get('openid.signed')?.split(',').includes('sreg.email'));
      assert.deepEqual([outcome.result?.email, outcome.result?.nickname], [profile.email, profile.nickname]);
      assert.deepEqual(
        ps.log.slice(start).filter((m) => m !== 'associate'),
        stateless ? ['checkid_setup', 'check_authentication'] : ['checkid_setup'],
      );
      // The same answer again, in the same process. OpenID 1.1 has no response_nonce and node-openid adds no
      // nonce of its own to return_to, so its nonce check lets every 1.1 answer through (quirk).
      const beforeReplay = ps.log.length;
      const replay = await rp.verify(back);
      if (stateless) {
        // The provider confirms a signature once only (§11.4.2.1 in 2.0, "invalidate" of 1.1): refused.
        assert.notEqual(replay.result?.authenticated, true);
        assert.match(errorText(replay.error), /Invalid signature/);
        assert.deepEqual(ps.log.slice(beforeReplay), ['check_authentication']);
      } else {
        // Verified with the association, nothing reaches the provider: node-openid accepts the replay.
        assert.equal(replay.result?.authenticated, true);
        assert.deepEqual(ps.log.slice(beforeReplay), []);
      }
    }
  });

  test('non-ASCII SReg values arrive intact (UTF-8 both ways), with an association and stateless', async () => {
    const fullname = 'Zoë Ünal 山田 🙂';
    recordRequests((request, base) => {
      const response = allowAsAsked(request, base);
      const sreg = SRegRequest.fromCheckIdRequest(request);
      if (sreg) response.addExtension(SRegResponse.extractResponse(sreg, { fullname, nickname: 'zoë' }));
      return response;
    });
    for (const stateless of [false, true]) {
      const node = new NodeOpenIdRp();
      const extensions = [node.sreg({ fullname: true, nickname: true })];
      const { rp, back } = await signIn(node, { stateless, extensions }, `${ps.base}/id/alice`);
      const outcome = await rp.verify(back);
      assert.equal(outcome.result?.authenticated, true, errorText(outcome.error));
      assert.deepEqual([outcome.result?.fullname, outcome.result?.nickname], [fullname, 'zoë']);
    }
  });

  test('return_to arguments with +, escapes, UTF-8 and empty values come back as sent (§10.1) and pass §11.1', async () => {
    recordRequests();
    const returnTo = 'http://rp.example/return?q=a+b%2Bc&u=%C3%A9t%C3%A9&empty=&sp=x%20y&amp=%26';
    const { rp, request, back } = await signIn(
      new NodeOpenIdRp(),
      { returnUrl: returnTo },
      `${ps.base}/id/alice`,
    );
    assert.equal(request.get('openid.return_to'), returnTo);
    const args = new URL(back).searchParams;
    assert.deepEqual(
      ['q', 'u', 'empty', 'sp', 'amp'].map((k) => args.get(k)),
      ['a b+c', 'été', '', 'x y', '&'],
    );
    assert.equal(args.get('openid.return_to'), returnTo);
    const outcome = await rp.verify(back);
    assert.equal(outcome.result?.authenticated, true, errorText(outcome.error));
  });

  test('an answer too long for a URL comes back as a form POST (§5.2.1) that node-openid verifies from the request', async () => {
    recordRequests();
    const node = new NodeOpenIdRp();
    let rp: ReturnType<NodeOpenIdRp['relyingParty']> | undefined;
    // The site's return URL: node-openid reads the POST body from the request (passport-openid passes it on).
    const site = createServer((req, res) => {
      if (!rp) return res.end('{}');
      rp.verify(req).then(
        (outcome) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ method: req.method, ...outcome }));
        },
        (e: unknown) => res.end(JSON.stringify({ method: req.method, error: String(e) })),
      );
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
    try {
      const origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
      const returnUrl = `${origin}/return?pad=${'x'.repeat(2100)}`;
      const signedIn = await signIn(node, { returnUrl, realm: `${origin}/` }, `${ps.base}/id/alice`, 'form');
      rp = signedIn.rp;
      assert.equal(signedIn.back, returnUrl);
      const res = await fetch(signedIn.back, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: signedIn.body ?? '',
        signal: AbortSignal.timeout(20_000),
      });
      const seen = (await res.json()) as {
        method: string;
        error: unknown;
        result?: { authenticated: boolean };
      };
      assert.equal(seen.method, 'POST');
      assert.equal(seen.result?.authenticated, true, errorText(seen.error));
      // Quirk: node-openid checks return_to against its return URL (§11.1) only for GET answers; a POST answer
      // goes straight to the nonce and signature checks.
    } finally {
      site.closeAllConnections();
      await new Promise<void>((r) => site.close(() => r()));
    }
  });
});
