/**
 * Interop (issue 24): this package's RelyingParty against python-openid's
 * provider when the provider side is quirky — a dead first endpoint in
 * the XRDS, an unusable `unsupported-type` suggestion (Net::OpenID::Server's
 * HMAC-SHA256 over DH-SHA1), and a 1.x login whose state rides in return_to.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SessionNegotiator } from '../../src/associations/negotiation.js';
import { RelyingParty, type RelyingPartyOptions } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { freePort } from '../adapters/free-port.js';
import { follow, interopSkipReason, type PythonProvider, startPythonProvider } from './python.js';

const skip = interopSkipReason();

function makeRp(extra: Partial<RelyingPartyOptions> = {}): RelyingParty {
  return new RelyingParty({
    realm: 'http://rp.example/',
    returnTo: 'http://rp.example/return?sid=1',
    secret: 'q'.repeat(40),
    store: new MemoryStore(),
    fetch: { allowPrivateNetworks: true, timeoutMs: 3000 },
    ...extra,
  });
}

describe('RelyingParty → quirky python-openid provider', { skip }, () => {
  let op: PythonProvider;
  before(async () => {
    op = await startPythonProvider();
  });
  after(async () => {
    await op?.configure({ quirk: null, association: null }).catch(() => {});
    await op?.close();
  });

  async function associates(from: number): Promise<string[]> {
    return (await op.log())
      .slice(from)
      .filter((e) => e.mode === 'associate')
      .map((e) => `${e.assoc_type}/${e.session_type}`);
  }

  test('a dead priority-0 endpoint is passed over; the login succeeds at the live one', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/op`;
    await op.configure({ decision: 'allow', dead_endpoint: dead, quirk: null, association: null });
    const rp = makeRp();
    const auth = await rp.begin(`${op.base}/multi/alice`);
    assert.deepEqual(
      auth.tried.map((t) => [t.opEndpoint, t.outcome]),
      [
        [dead, 'unreachable'],
        [op.endpoint, 'chosen'],
      ],
    );
    assert.equal(auth.tried[0]?.code, 'fetch_failed');
    const back = await follow(auth.redirectUrl);
    const result = await rp.complete(back.url, { state: auth.state });
    assert.equal(result.status, 'success');
    if (result.status === 'success') assert.equal(result.endpoint.opEndpoint, op.endpoint);
    // The next login goes straight to the live endpoint.
    const second = await rp.begin(`${op.base}/multi/alice`);
    assert.equal(second.endpoint.opEndpoint, op.endpoint);
    assert.equal(second.tried[0]?.code, 'endpoint_unreachable');
  });

  test('unusable suggestion: five logins, one refused exchange, then HMAC-SHA1 over DH-SHA1 reused', async () => {
    await op.configure({ decision: 'allow', quirk: 'unusable-suggestion', association: null });
    const rp = makeRp();
    const start = (await op.log()).length;
    for (let i = 0; i < 5; i++) {
      const auth = await rp.begin(`${op.base}/id/alice`);
      assert.equal(auth.usesAssociation, true);
      const back = await follow(auth.redirectUrl);
      const result = await rp.complete(back.url, { state: auth.state });
      assert.equal(result.status, 'success');
      if (result.status === 'success') assert.equal(result.verifiedBy, 'association');
    }
    const sent = await associates(start);
    assert.equal(sent.filter((p) => p.startsWith('HMAC-SHA256')).length, 1);
    assert.deepEqual(sent, ['HMAC-SHA256/DH-SHA256', 'HMAC-SHA1/DH-SHA1']);
  });

  test('unusable suggestion, only HMAC-SHA256 allowed: exactly 1 associate request over 5 logins', async () => {
    await op.configure({ decision: 'allow', quirk: 'unusable-suggestion', association: null });
    const rp = makeRp({
      negotiator: new SessionNegotiator([{ assocType: 'HMAC-SHA256', sessionType: 'DH-SHA256' }]),
    });
    const start = (await op.log()).length;
    for (let i = 0; i < 5; i++) {
      const auth = await rp.begin(`${op.base}/id/alice`);
      const back = await follow(auth.redirectUrl);
      const result = await rp.complete(back.url, { state: auth.state });
      assert.equal(result.status, 'success');
      if (result.status === 'success') assert.equal(result.verifiedBy, 'check_authentication');
    }
    assert.equal((await associates(start)).length, 1);
  });

  test('OpenID 1.1 login with the state in return_to (no cookie, no session)', async () => {
    await op.configure({ decision: 'allow', quirk: null, association: null });
    const rp = makeRp({ stateIn: 'returnTo' });
    const auth = await rp.begin(`${op.base}/id1/alice`, { bindTo: 'url-session-42' });
    assert.equal(auth.endpoint.version, '1.1');
    const back = await follow(auth.redirectUrl);
    const result = await rp.complete(back.url, { bindTo: 'url-session-42' });
    assert.equal(result.status, 'success');
    if (result.status === 'success') {
      assert.equal(result.isOpenID1(), true);
      assert.equal(result.claimedId, `${op.base}/id1/alice`);
    }
    const replay = await rp.complete(back.url, { bindTo: 'url-session-42' });
    assert.equal(replay.status, 'failure');
  });
});
