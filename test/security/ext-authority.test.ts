/**
 * Security case EXT-10 (docs/security-cases.md §3): a *signed* AX email is
 * only the word of the provider that signed it. The library cannot know
 * which providers may speak for which mail domains, so it must hand the app
 * what it needs to decide — the verified OP endpoint beside the attribute —
 * and offer an allowlist that refuses every other provider before any
 * attribute is read. Two real Providers on 127.0.0.1: the honest one and an
 * attacker's, both signing a victim's email address.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AXFetchRequest, AXFetchResponse } from '../../src/extensions/ax.js';
import { AX_TYPES } from '../../src/extensions/ax-types.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';

const VICTIM_EMAIL = 'victim@corp.example';

let honest: ProviderServer;
let attacker: ProviderServer;
before(async () => {
  honest = await startProviderServer();
  attacker = await startProviderServer();
  // Each provider signs an email of its choosing for whoever logs in there.
  for (const op of [honest, attacker]) {
    op.decision = (request) =>
      request.answer(true).addExtension(new AXFetchResponse().add(AX_TYPES.email, VICTIM_EMAIL));
  }
});
after(async () => {
  await honest.close();
  await attacker.close();
});

function makeRp(allowedProviders?: readonly string[], allowUnsolicited = false): RelyingParty {
  return new RelyingParty({
    realm: 'http://rp.example/',
    returnTo: 'http://rp.example/return',
    secret: 'e'.repeat(40),
    store: new MemoryStore(),
    fetch: { allowPrivateNetworks: true },
    ...(allowedProviders ? { allowedProviders } : {}),
    allowUnsolicited,
  });
}

async function loginAt(rp: RelyingParty, identifier: string) {
  const auth = await rp.begin(identifier, { extensions: [new AXFetchRequest().add(AX_TYPES.email)] });
  const back = await browse(auth.redirectUrl);
  return rp.complete(back.url, { state: auth.state, body: back.body ?? null });
}

describe('EXT-10 attribute authority: a signed email is only its provider’s word', () => {
  test('EXT-10 the success names the OP endpoint that signed the email, so the app can tell the attacker’s apart', async () => {
    const rp = makeRp();
    const fromAttacker = await loginAt(rp, `${attacker.base}/id/mallory`);
    assert.equal(fromAttacker.status, 'success', JSON.stringify(fromAttacker));
    if (fromAttacker.status !== 'success') return;
    assert.equal(AXFetchResponse.fromSuccess(fromAttacker)?.get(AX_TYPES.email), VICTIM_EMAIL);
    assert.equal(fromAttacker.endpoint.opEndpoint, attacker.endpoint);
    assert.equal(fromAttacker.claimedId, `${attacker.base}/id/mallory`);

    const fromHonest = await loginAt(rp, `${honest.base}/id/victim`);
    assert.equal(fromHonest.status, 'success', JSON.stringify(fromHonest));
    if (fromHonest.status !== 'success') return;
    assert.equal(fromHonest.endpoint.opEndpoint, honest.endpoint);
    assert.notEqual(
      fromHonest.claimedId,
      fromAttacker.claimedId,
      'the account key is the claimed id, not the email',
    );
  });

  test('EXT-10 allowedProviders refuses another provider’s login before any attribute reaches the app (untrusted_op)', async () => {
    const rp = makeRp([honest.endpoint]);
    await assert.rejects(rp.begin(`${attacker.base}/id/mallory`), { code: 'untrusted_op' });
    // An assertion from the attacker's provider that reaches the return URL anyway, at a site that
    // accepts unsolicited assertions: the allowlist still refuses it, by name.
    const open = makeRp();
    const auth = await open.begin(`${attacker.base}/id/mallory`);
    const back = await browse(auth.redirectUrl);
    const strict = makeRp([honest.endpoint], true);
    const result = await strict.complete(back.url, { body: back.body ?? null });
    assert.equal(result.status === 'failure' ? result.code : result.status, 'untrusted_op');
    const honestLogin = await loginAt(rp, `${honest.base}/id/victim`);
    assert.equal(honestLogin.status, 'success', JSON.stringify(honestLogin));
  });
});
