/**
 * Interop: this package's RelyingParty logs in at openid4java's provider
 * (ServerManager, Debian's libopenid4java-java 1.0, in-memory association
 * stores) served by com.sun.net.httpserver on 127.0.0.1 (JavaOp.java,
 * compiled once for the file, one JVM). The browser is simulated by following
 * the provider's redirect with fetch. Covers discovery (XRDS by Accept
 * header, HTML links, OP identifier), HMAC-SHA256 over DH-SHA256 and
 * HMAC-SHA1 over DH-SHA1, stateless check_authentication, cancel,
 * setup_needed, SReg + AX, replay and tampering.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AXFetchRequest, AXFetchResponse } from '../../src/extensions/ax.js';
import { AX_TYPES } from '../../src/extensions/ax-types.js';
import { SRegRequest, SRegResponse } from '../../src/extensions/sreg.js';
import { SREG_1_0_NS } from '../../src/protocol/constants.js';
import type { RelyingParty } from '../../src/rp/relying-party.js';
import type { CompleteResult } from '../../src/rp/result.js';
import { browse } from '../helpers/op-server.js';
import {
  compileJava,
  type JavaBuild,
  type JavaProvider,
  javaInteropSkipReason,
  startJavaProvider,
} from './java.js';
import { type BeginOptions, interopRp, loginVia, PAIRS } from './rp-side.js';

const skip = javaInteropSkipReason();
const AX_NS = 'http://openid.net/srv/ax/1.0';

const makeRp = interopRp;

const login = (rp: RelyingParty, identifier: string, options?: BeginOptions) =>
  loginVia(browse, rp, identifier, options);

const code = (r: CompleteResult) => (r as { code?: string }).code;

describe('RelyingParty → openid4java provider', { skip }, () => {
  let build: JavaBuild | undefined;
  let op: JavaProvider;
  before(async () => {
    build = await compileJava('JavaOp.java');
    op = await startJavaProvider(build);
  });
  after(async () => {
    await op?.close();
    build?.remove();
  });

  async function seen(from: number): Promise<string[]> {
    return (await op.log()).slice(from);
  }

  describe('discovery', () => {
    const cases = [
      ['XRDS asked for by the Accept header (Yadis §6.2.4)', 'id', 'xrds'],
      ['HTML openid2.provider link (§7.3.3)', 'html', 'html'],
    ] as const;
    for (const [name, path, source] of cases) {
      test(`${name}: the provider's endpoint is found and vouches for the claimed identifier`, async () => {
        await op.configure({ decision: 'allow' });
        const claimed = `${op.base}/${path}/alice`;
        const { result } = await login(makeRp('DH-SHA256'), claimed);
        assert.equal(result.status, 'success', JSON.stringify(result) + op.stderr);
        if (result.status !== 'success') return;
        assert.equal(result.claimedId, claimed);
        assert.equal(result.identity, claimed);
        assert.equal(result.endpoint.opEndpoint, op.endpoint);
        assert.equal(result.endpoint.source, source);
        assert.equal(result.version, '2.0');
      });
    }

    test('identifier_select through the OP identifier: the provider picks the identity (§7.3.2.1.1)', async () => {
      await op.configure({ decision: 'allow', user: 'carol' });
      const { result } = await login(makeRp('DH-SHA256'), `${op.base}/`);
      await op.configure({ decision: 'allow' });
      assert.equal(result.status, 'success', JSON.stringify(result) + op.stderr);
      if (result.status !== 'success') return;
      assert.equal(result.claimedId, `${op.base}/id/carol`);
    });
  });

  for (const mode of ['DH-SHA256', 'DH-SHA1', 'stateless'] as const) {
    const associated = mode !== 'stateless';
    describe(`OpenID 2.0, ${mode}`, () => {
      test('checkid_setup: success, verified the expected way, replay refused', async () => {
        await op.configure({ decision: 'allow' });
        const rp = makeRp(mode);
        const start = (await op.log()).length;
        const claimed = `${op.base}/id/alice`;
        const { result, state, url } = await login(rp, claimed);
        assert.equal(result.status, 'success', JSON.stringify(result) + op.stderr);
        if (result.status !== 'success') return;
        assert.equal(result.claimedId, claimed);
        assert.equal(result.verifiedBy, associated ? 'association' : 'check_authentication');
        assert.deepEqual(await seen(start), [
          ...(associated ? [`associate/${PAIRS[mode].assocType}/${mode}`] : []),
          'checkid_setup',
          ...(associated ? [] : ['check_authentication is_valid:true']),
        ]);
        // The MAC length says which association type signed (§6.2): 32 bytes for HMAC-SHA256, 20 for HMAC-SHA1.
        const sig = Buffer.from(new URL(url).searchParams.get('openid.sig') ?? '', 'base64');
        if (associated) assert.equal(sig.length, PAIRS[mode].assocType === 'HMAC-SHA256' ? 32 : 20);
        const beforeReplay = (await op.log()).length;
        const replay = await rp.complete(url, { state });
        assert.equal(replay.status, 'failure');
        // With an association the RP's nonce memory refuses it (§11.3) without asking the provider; stateless,
        // openid4java's check_authentication refuses the private handle it already checked once (§11.4.2.1).
        assert.equal(code(replay), associated ? 'nonce_replay' : 'check_auth_failed');
        assert.deepEqual(await seen(beforeReplay), associated ? [] : ['check_authentication is_valid:false']);
      });

      test('a signed field changed on the way back is refused', async () => {
        await op.configure({ decision: 'allow', sreg: { email: 'alice@example.org' } });
        const rp = makeRp(mode);
        const auth = await rp.begin(`${op.base}/id/alice`, {
          extensions: [new SRegRequest({ required: ['email'] })],
        });
        const back = new URL((await browse(auth.redirectUrl)).url);
        assert.ok(back.searchParams.get('openid.signed')?.split(',').includes('sreg.email'), back.toString());
        back.searchParams.set('openid.sreg.email', 'mallory@example.org');
        const start = (await op.log()).length;
        const result = await rp.complete(back.toString(), { state: auth.state });
        assert.equal(result.status, 'failure');
        // §11.4.2: with an association the RP recomputes the signature; stateless the provider says is_valid:false.
        assert.equal(code(result), associated ? 'bad_signature' : 'check_auth_failed');
        assert.deepEqual(await seen(start), associated ? [] : ['check_authentication is_valid:false']);
      });

      test('deny at the provider is cancel; checkid_immediate it cannot answer is setup_needed', async () => {
        await op.configure({ decision: 'deny' });
        const rp = makeRp(mode);
        const cancelled = await login(rp, `${op.base}/id/alice`);
        assert.deepEqual(cancelled.result, { status: 'cancel' });
        const immediate = await login(rp, `${op.base}/id/alice`, { immediate: true });
        assert.equal(new URL(immediate.url).searchParams.get('openid.mode'), 'setup_needed'); // §10.2.1
        assert.equal(immediate.result.status, 'setup_needed', JSON.stringify(immediate.result));
        await op.configure({ decision: 'allow' });
      });
    });
  }

  for (const mode of ['DH-SHA1', 'stateless'] as const) {
    test(`OpenID 1.1 (an openid.server link only), ${mode}: success, replay refused, cancel`, async () => {
      await op.configure({ decision: 'allow' });
      const rp = makeRp(mode);
      const start = (await op.log()).length;
      const claimed = `${op.base}/html1/alice`;
      const { result, state, url } = await login(rp, claimed);
      assert.equal(result.status, 'success', JSON.stringify(result) + op.stderr);
      if (result.status !== 'success') return;
      assert.equal(result.version, '1.1');
      assert.equal(result.claimedId, claimed);
      const associated = mode !== 'stateless';
      assert.equal(result.verifiedBy, associated ? 'association' : 'check_authentication');
      assert.equal(new URL(url).searchParams.has('openid.ns'), false); // OpenID 1.x answers carry no namespace
      assert.deepEqual(await seen(start), [
        // OpenID 1.1 associations are HMAC-SHA1 only.
        ...(associated ? ['associate/HMAC-SHA1/DH-SHA1'] : []),
        'checkid_setup',
        ...(associated ? [] : ['check_authentication is_valid:true']),
      ]);
      // 1.1 has no response_nonce: our RP's own nonce in return_to (openid2.rp_nonce) is what it remembers.
      const replay = await rp.complete(url, { state });
      assert.equal(replay.status, 'failure');
      assert.equal(code(replay), associated ? 'nonce_replay' : 'check_auth_failed');
      await op.configure({ decision: 'deny' });
      const cancelled = await login(rp, claimed);
      await op.configure({ decision: 'allow' });
      assert.deepEqual(cancelled.result, { status: 'cancel' });
    });
  }

  test('an assertion signed with a shared association, sent to a stateless RP: openid4java will not vouch for it (§11.4.2.1)', async () => {
    await op.configure({ decision: 'allow' });
    const auth = await makeRp('DH-SHA256').begin(`${op.base}/id/alice`);
    const back = await browse(auth.redirectUrl);
    // A second RP, with the same secret (so the state is its own) but no store: it holds no association and
    // must ask the provider, which may confirm only signatures made with its private associations.
    const start = (await op.log()).length;
    const result = await makeRp('stateless').complete(back.url, { state: auth.state });
    assert.equal(result.status, 'failure');
    assert.equal(code(result), 'check_auth_failed');
    assert.deepEqual(await seen(start), ['check_authentication is_valid:false']);
  });

  for (const mode of ['DH-SHA256', 'stateless'] as const) {
    test(`${mode}: SReg and AX answers are read, signed`, async () => {
      await op.configure({
        decision: 'allow',
        sreg: { email: 'alice@example.org', nickname: 'alice', country: 'GB' },
        ax: { [AX_TYPES.email]: 'alice@example.org', [AX_TYPES.nickname]: 'ally' },
      });
      const { result, url } = await login(makeRp(mode), `${op.base}/id/alice`, {
        extensions: [
          new SRegRequest({ required: ['email'], optional: ['nickname'] }),
          new AXFetchRequest().add(AX_TYPES.email, { required: true }).add(AX_TYPES.nickname),
        ],
      });
      assert.equal(result.status, 'success', JSON.stringify(result) + op.stderr);
      if (result.status !== 'success') return;
      // Only what was asked for comes back (country was not asked).
      assert.deepEqual(SRegResponse.fromSuccess(result)?.toJSON(), {
        email: 'alice@example.org',
        nickname: 'alice',
      });
      const ax = AXFetchResponse.fromSuccess(result);
      assert.ok(ax, 'expected an AX fetch_response');
      assert.equal(ax.get(AX_TYPES.email), 'alice@example.org');
      assert.deepEqual(ax.getAll(AX_TYPES.nickname), ['ally']);
      // The readers above see signed fields only; say so outright for the values. openid4java names AX "ext2".
      const args = new URL(url).searchParams;
      // Quirk: openid4java answers an SReg 1.1 request in the SReg 1.0 namespace. Our RP reads either namespace
      // URI (src/extensions/sreg.ts), so the values above still arrive.
      assert.equal(args.get('openid.ns.sreg'), SREG_1_0_NS);
      const axAlias = [...args].find(([k, v]) => k.startsWith('openid.ns.') && v === AX_NS)?.[0].slice(10);
      for (const field of ['sreg.email', 'sreg.nickname', `${axAlias}.mode`])
        assert.ok(result.signedFields.includes(field), `${field} not in ${result.signedFields.join(',')}`);
    });
  }
});
