/**
 * The first milestone: this package's RelyingParty logs in at this
 * package's Provider over real HTTP on 127.0.0.1, in every association mode
 * (DH-SHA256, DH-SHA1, stateless), OpenID 2.0 and 1.1, setup and immediate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SessionNegotiator } from '../../src/associations/negotiation.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import type { CompleteResult } from '../../src/rp/result.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';

let ps: ProviderServer;
before(async () => {
  ps = await startProviderServer();
});
after(() => ps.close());

type Mode = 'DH-SHA256' | 'DH-SHA1' | 'stateless';

function makeRp(mode: Mode): RelyingParty {
  return new RelyingParty({
    realm: 'http://rp.example/',
    returnTo: 'http://rp.example/return?sid=1',
    secret: 'k'.repeat(40),
    store: mode === 'stateless' ? null : new MemoryStore(),
    ...(mode === 'DH-SHA1'
      ? { negotiator: new SessionNegotiator([{ assocType: 'HMAC-SHA1', sessionType: 'DH-SHA1' }]) }
      : {}),
    ...(mode === 'DH-SHA256'
      ? { negotiator: new SessionNegotiator([{ assocType: 'HMAC-SHA256', sessionType: 'DH-SHA256' }]) }
      : {}),
    fetch: { allowPrivateNetworks: true },
  });
}

async function login(
  rp: RelyingParty,
  identifier: string,
  immediate = false,
): Promise<{ result: CompleteResult; state: string; url: string; body?: string }> {
  const auth = await rp.begin(identifier, { immediate });
  const back = await browse(auth.redirectUrl);
  const result = await rp.complete(back.url, {
    state: auth.state,
    ...(back.body ? { body: back.body } : {}),
  });
  return { result, state: auth.state, ...back };
}

for (const mode of ['DH-SHA256', 'DH-SHA1', 'stateless'] as const) {
  describe(`login over HTTP, ${mode}`, () => {
    test('OpenID 2.0: success, verified the expected way, replay refused', async () => {
      ps.decision = 'allow';
      const rp = makeRp(mode);
      const start = ps.log.length;
      const { result, state, url } = await login(rp, `${ps.base}/id/alice`);
      assert.equal(result.status, 'success', JSON.stringify(result));
      if (result.status !== 'success') return;
      assert.equal(result.claimedId, `${ps.base}/id/alice`);
      assert.equal(result.verifiedBy, mode === 'stateless' ? 'check_authentication' : 'association');
      const modes = ps.log.slice(start);
      if (mode === 'stateless') assert.deepEqual(modes, ['checkid_setup', 'check_authentication']);
      else assert.deepEqual(modes, ['associate', 'checkid_setup']);
      const replay = await rp.complete(url, { state });
      assert.equal(replay.status, 'failure');
      assert.equal(
        (replay as { code: string }).code,
        mode === 'stateless' ? 'check_auth_failed' : 'nonce_replay',
      );
    });

    test('OpenID 1.1 identity page: success', async () => {
      ps.decision = 'allow';
      const rp = makeRp(mode === 'DH-SHA256' ? 'DH-SHA1' : mode);
      const { result } = await login(rp, `${ps.base}/id1/bob`);
      assert.equal(result.status, 'success', JSON.stringify(result));
      assert.equal((result as { claimedId: string }).claimedId, `${ps.base}/id1/bob`);
    });

    test('identifier_select through the OP identifier names the identity the provider chose', async () => {
      ps.decision = 'allow';
      ps.user = 'carol';
      const { result } = await login(makeRp(mode), `${ps.base}/`);
      assert.equal(result.status, 'success', JSON.stringify(result));
      assert.equal((result as { claimedId: string }).claimedId, `${ps.base}/id/carol`);
    });

    test('cancel at the provider is cancel; immediate refusal is setup_needed', async () => {
      ps.decision = 'deny';
      const rp = makeRp(mode);
      assert.deepEqual((await login(rp, `${ps.base}/id/alice`)).result, { status: 'cancel' });
      const immediate = await login(rp, `${ps.base}/id/alice`, true);
      assert.equal(immediate.result.status, 'setup_needed');
      const immediate1 = await login(
        makeRp(mode === 'DH-SHA256' ? 'DH-SHA1' : mode),
        `${ps.base}/id1/bob`,
        true,
      );
      assert.deepEqual(immediate1.result, { status: 'setup_needed', setupUrl: `${ps.base}/login` });
      ps.decision = 'allow';
    });
  });
}

describe('login over HTTP: immediate success and long requests', () => {
  test('checkid_immediate succeeds when the provider allows', async () => {
    ps.decision = 'allow';
    const { result } = await login(makeRp('DH-SHA256'), `${ps.base}/id/alice`, true);
    assert.equal(result.status, 'success', JSON.stringify(result));
  });

  test('an answer longer than 2047 bytes travels as an auto-submitted form POST', async () => {
    const long = 'x'.repeat(2100);
    const rp = new RelyingParty({
      realm: 'http://rp.example/',
      returnTo: `http://rp.example/return?pad=${long}`,
      secret: 'k'.repeat(40),
      store: new MemoryStore(),
      fetch: { allowPrivateNetworks: true },
    });
    ps.decision = 'allow';
    const auth = await rp.begin(`${ps.base}/id/alice`);
    assert.equal(auth.shouldSendRedirect(), false);
    const back = await browse(auth.redirectUrl);
    assert.ok(back.body, 'expected a form POST');
    const result = await rp.complete(back.url, { state: auth.state, body: back.body });
    assert.equal(result.status, 'success', JSON.stringify(result));
  });
});
