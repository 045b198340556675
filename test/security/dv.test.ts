/**
 * Security cases DV-01 … DV-15 (docs/security-cases.md §4, spec §11.2):
 * whoever signs an assertion, only a provider that discovery of the claimed
 * identifier names may vouch for it. Attacker providers are real servers on
 * 127.0.0.1. DV-11 (discovery cache) is in test/discovery/cache.test.ts and
 * DV-13 (redirects change the claimed id) in test/discovery/discover.test.ts.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { identityPage, OP, TestStore } from '../helpers/fake-op.js';
import {
  type AttackerOp,
  attackerOp,
  edit,
  FakeOP,
  failure,
  fakeLogin,
  fieldsOf,
  honestOp,
  loginAt,
  makeRp,
  type ProviderServer,
  page2,
  RETURN,
  randomAssociation,
  resign,
  type ScriptedServer,
  scriptedServer,
  success,
  withFields,
} from './world.js';

let honest: ProviderServer;
let evil: AttackerOp;
let pages: ScriptedServer;
before(async () => {
  honest = await honestOp();
  evil = await attackerOp();
  pages = await scriptedServer();
});
after(async () => {
  await honest.close();
  await evil.close();
  await pages.close();
});
afterEach(() => {
  honest.decision = 'allow';
});

const V = () => `${honest.base}/id/victim`;
const answerAs = (claimedId: string, identity = claimedId) => {
  // A provider that lets the user answer as another identifier (the named opt-in).
  honest.decision = (req) => req.answer(true, { claimedId, identity, switchIdentifier: true });
};

/** An in-process world (for https identifiers and exact endpoint spellings). */
function local(pagesByUrl: Record<string, string> = {}) {
  const op = new FakeOP(OP, { pages: pagesByUrl });
  const store = new TestStore();
  const rp = makeRp({ fetcher: op.fetcher, store });
  return { op, rp, store };
}

describe('DV: discovered information must back every assertion', () => {
  test('DV-01 refuses an attacker provider asserting a victim it does not serve (discovery_mismatch, no POST to it)', async () => {
    const mallory = evil.page('/id/mallory', page2(evil.endpoint));
    // In the attacker's own login (stateless RP, so it would ask the attacker's OP)...
    const rp = makeRp({ store: null });
    const { auth, url } = await fakeLogin(rp, evil.op, mallory, { claimedId: V(), identity: V() });
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'discovery_mismatch');
    // ...and unsolicited, where the RP accepts those.
    const open = makeRp({ store: null, allowUnsolicited: true });
    const request = Message.create('2.0')
      .set(OPENID_NS, 'claimed_id', V())
      .set(OPENID_NS, 'identity', V())
      .set(OPENID_NS, 'return_to', RETURN);
    const unsolicited = FakeOP.returnUrl(evil.op.assertion(request));
    assert.equal(failure(await open.complete(unsolicited)), 'discovery_mismatch');
    assert.deepEqual(
      evil.op.log.filter((m) => m === 'check_authentication'),
      [],
    );
  });

  test('DV-02 keys the login on the verified claimed_id, never on openid.identity', async () => {
    const u = evil.page('/u', page2(honest.endpoint, V()));
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, u);
    assert.equal(fieldsOf(url)['openid.identity'], V());
    const r = await rp.complete(url, { state: auth.state });
    assert.equal(success(r), u);
    assert.equal((r as { identity: string }).identity, V());
  });

  test('DV-03 compares identity with the claimed id when discovery gives no local id (discovery_mismatch)', async () => {
    const rp = makeRp();
    answerAs(V(), `${honest.base}/id/mallory`);
    const { auth, url } = await loginAt(rp, V());
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'discovery_mismatch');
  });

  test('DV-04 re-discovers a claimed id other than the one begin() kept, and accepts only what that proves', async () => {
    const rp = makeRp();
    const bob = `${honest.base}/id/bob`;
    answerAs(bob);
    const first = await loginAt(rp, `${honest.base}/id/alice`);
    assert.equal(success(await rp.complete(first.url, { state: first.auth.state })), bob);
    const elsewhere = evil.page('/x', page2(evil.endpoint));
    answerAs(elsewhere);
    const second = await loginAt(rp, `${honest.base}/id/alice`);
    assert.equal(failure(await rp.complete(second.url, { state: second.auth.state })), 'discovery_mismatch');
  });

  test('DV-05 discovers without the fragment and keeps it in the verified claimed id', async () => {
    const rp = makeRp();
    const alice = `${honest.base}/id/alice`;
    answerAs(`${alice}#2026`, alice);
    const { auth, url } = await loginAt(rp, alice);
    assert.equal(success(await rp.complete(url, { state: auth.state })), `${alice}#2026`);
    honest.decision = 'allow';
    const plain = await loginAt(rp, alice);
    assert.equal(success(await rp.complete(plain.url, { state: plain.auth.state })), alice);
  });

  test('DV-06 keeps http and https claimed ids apart', async () => {
    const https = 'https://op.example/id/alice';
    const http = 'http://op.example/id/alice';
    const { op, rp } = local({ [https]: identityPage(OP), [http]: identityPage(OP) });
    const a = await fakeLogin(rp, op, https);
    const b = await fakeLogin(rp, op, http);
    assert.equal(success(await rp.complete(a.url, { state: a.auth.state })), https);
    assert.equal(success(await rp.complete(b.url, { state: b.auth.state })), http);
    // The https login's answer relabelled http is not the same identity (and no longer signed).
    const relabelled = edit(a.url, (f) => {
      f['openid.claimed_id'] = http;
      f['openid.identity'] = http;
    });
    assert.equal((await rp.complete(relabelled, { state: a.auth.state })).status, 'failure');
  });

  test('DV-07 compares op_endpoint after RFC 3986 normalisation: case and default port equal, extra slash not', async () => {
    const alice = 'https://op.example/id/alice';
    const { op, rp } = local({ [alice]: identityPage(OP) });
    const same = await fakeLogin(rp, op, alice, {
      edit: (m) => m.set(OPENID_NS, 'op_endpoint', 'HTTPS://OP.EXAMPLE:443/server'),
    });
    assert.equal(success(await rp.complete(same.url, { state: same.auth.state })), alice);
    for (const other of [
      'https://op.example/server/',
      'https://op.example/Server',
      'https://op.example:8443/server',
    ]) {
      const { auth, url } = await fakeLogin(rp, op, alice, {
        edit: (m) => m.set(OPENID_NS, 'op_endpoint', other),
      });
      assert.equal(failure(await rp.complete(url, { state: auth.state })), 'discovery_mismatch', other);
    }
  });

  test('DV-08 refuses a claimed id that discovers as an OP identifier (op_identifier_as_claimed_id)', async () => {
    const rp = makeRp();
    const opId = `${honest.base}/`;
    honest.decision = (req) => req.answer(true, { identity: opId });
    const { auth, url } = await loginAt(rp, opId);
    assert.equal(fieldsOf(url)['openid.claimed_id'], opId);
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'op_identifier_as_claimed_id');
  });

  test('DV-09 needs endpoint and local id from one Service element (discovery_mismatch)', async () => {
    const x = `${pages.base}/x`;
    const xrds = `<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD>
<Service priority="10"><Type>http://specs.openid.net/auth/2.0/signon</Type><URI>${honest.endpoint}</URI></Service>
<Service priority="20"><Type>http://specs.openid.net/auth/2.0/signon</Type><URI>${evil.endpoint}</URI><LocalID>${V()}</LocalID></Service>
</XRD></xrds:XRDS>`;
    pages.routes.set('/x', () => ({ contentType: 'application/xrds+xml', body: xrds }));
    const rp = makeRp();
    answerAs(x, V());
    const { auth, url } = await loginAt(rp, x);
    assert.equal(fieldsOf(url)['openid.op_endpoint'], honest.endpoint);
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'discovery_mismatch');
  });

  test('DV-10 does not let a 2.0 answer match the endpoint of a 1.1 service (discovery_mismatch)', async () => {
    const carol = 'https://carol.example/';
    const html = `<html><head><link rel="openid2.provider" href="https://op2.example/server"><link rel="openid.server" href="${OP}"></head></html>`;
    const { op, rp } = local({ [carol]: html });
    const auth = await rp.begin(carol);
    assert.ok(auth.redirectUrl.startsWith('https://op2.example/server'), 'the 2.0 service is chosen');
    // The provider behind the 1.1 service answers in 2.0 for carol.
    const url = FakeOP.returnUrl(op.assertion(FakeOP.request(auth.redirectUrl)));
    assert.equal(fieldsOf(url)['openid.op_endpoint'], OP);
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'discovery_mismatch');
  });

  test("DV-12 keys associations by (endpoint, handle): an attacker's handle twin cannot sign for the honest OP", async () => {
    const store = new MemoryStore();
    const rp = makeRp({ store });
    const { auth, url } = await loginAt(rp, `${honest.base}/id/alice`);
    const handle = fieldsOf(url)['openid.assoc_handle'] as string;
    const honestAssoc = await store.getAssociation(honest.endpoint, handle);
    assert.ok(honestAssoc, 'the RP holds the honest association');
    // The attacker's OP handed the RP the same handle with its own key.
    const twin = randomAssociation(handle);
    await store.storeAssociation(evil.endpoint, twin);
    const forged = withFields(
      url,
      resign({ ...fieldsOf(url), 'openid.claimed_id': V(), 'openid.identity': V() }, twin),
    );
    assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'bad_signature');
    const still = await store.getAssociation(honest.endpoint, handle);
    assert.deepEqual(still?.secret, honestAssoc.secret, 'the honest association is untouched');
  });

  test('DV-14 keys the login on the verified claimed_id, not on what the user typed', async () => {
    const rp = makeRp();
    const alice = `${honest.base}/id/alice`;
    answerAs(alice);
    const { auth, url } = await loginAt(rp, `${honest.base}/id/bob`);
    assert.equal(success(await rp.complete(url, { state: auth.state })), alice);
  });

  test('DV-15 refuses an OpenID 1 answer with no record of the login (unsolicited_rejected)', async () => {
    for (const allowUnsolicited of [false, true]) {
      const rp = makeRp({ allowUnsolicited });
      const { url } = await loginAt(rp, `${honest.base}/id1/alice`);
      assert.equal(Message.fromQuery(url).isOpenID1(), true);
      assert.equal(failure(await rp.complete(url, {})), 'unsolicited_rejected');
    }
  });
});
