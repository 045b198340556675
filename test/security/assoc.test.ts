/**
 * Security cases AS-01 … AS-12 (docs/security-cases.md §8): associations
 * on both sides. Relying-party cases log in against this package's Provider
 * over real HTTP, or negotiate with a hostile endpoint that bends its
 * associate answers; provider cases POST to the Provider's endpoint.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  associate,
  MAX_ASSOCIATION_LIFETIME,
  SessionNegotiator,
} from '../../src/associations/negotiation.js';
import { Association } from '../../src/protocol/association.js';
import { OPENID2_NS } from '../../src/protocol/constants.js';
import { createConsumerSession } from '../../src/protocol/dh.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { FileStore } from '../../src/stores/file.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { startServer } from '../discovery/helpers/server.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import {
  type HostileOP,
  honestAssociateFields,
  kv,
  loopbackFetcher,
  rawKv,
  startHostileOP,
} from './hostile-op.js';
import { kvAnswer, opPost } from './op-wire.js';

const RETURN = 'http://rp.example/return?sid=1';

function makeRp(store: MemoryStore | null, now?: () => number): RelyingParty {
  return new RelyingParty({
    realm: 'http://rp.example/',
    returnTo: RETURN,
    secret: 'k'.repeat(40),
    store,
    fetch: { allowPrivateNetworks: true },
    ...(now ? { now } : {}),
  });
}

/** Begin at `ps`, let its provider answer through a browser, and return what complete() needs. */
async function loginAt(rp: RelyingParty, identifier: string) {
  const auth = await rp.begin(identifier);
  const handle = new URL(auth.redirectUrl).searchParams.get('openid.assoc_handle');
  const back = await browse(auth.redirectUrl);
  return { auth, handle, back };
}

describe('AS: the relying party and its associations (real Provider over HTTP)', () => {
  let ps: ProviderServer;
  before(async () => {
    ps = await startProviderServer();
  });
  after(() => ps.close());

  test('AS-01 an assertion under a handle the RP does not hold is verified by check_authentication to the discovered endpoint', async () => {
    const store = new MemoryStore();
    const rp = makeRp(store);
    const auth = await rp.begin(`${ps.base}/id/alice`);
    const handle = new URL(auth.redirectUrl).searchParams.get('openid.assoc_handle') as string;
    assert.ok(handle, 'the RP associated');
    // The provider lost the RP's association: it signs with a private one and says so.
    assert.equal(await ps.op.store.removeAssociation(`${ps.endpoint}#shared`, handle), true);
    const back = await browse(auth.redirectUrl);
    const m = Message.fromQuery(back.url);
    assert.equal(m.get(OPENID_NS, 'invalidate_handle'), handle);
    assert.notEqual(m.get(OPENID_NS, 'assoc_handle'), handle);
    const start = ps.log.length;
    const result = await rp.complete(back.url, { state: auth.state });
    assert.equal(result.status, 'success', JSON.stringify(result));
    assert.equal((result as { verifiedBy: string }).verifiedBy, 'check_authentication');
    assert.deepEqual(ps.log.slice(start), ['check_authentication']);
    // The provider confirmed the handle is gone: the RP dropped it.
    assert.equal(await store.getAssociation(ps.endpoint, handle), null);
  });

  test('AS-02 an assertion under an expired association is never checked with its key', async () => {
    const short = await startProviderServer({ sharedAssociationLifetime: 60 });
    try {
      let skew = 0;
      const rp = makeRp(new MemoryStore(), () => Math.floor(Date.now() / 1000) + skew);
      const { auth, handle, back } = await loginAt(rp, `${short.base}/id/alice`);
      assert.ok(handle);
      assert.equal(Message.fromQuery(back.url).get(OPENID_NS, 'assoc_handle'), handle);
      skew = 120; // the association expired; the nonce is still well inside its window
      const start = short.log.length;
      const result = await rp.complete(back.url, { state: auth.state });
      assert.equal(result.status, 'failure');
      assert.equal((result as { code: string }).code, 'check_auth_failed');
      // It asked the provider, which never vouches for a shared-association signature.
      assert.deepEqual(short.log.slice(start), ['check_authentication']);
    } finally {
      await short.close();
    }
  });

  test('AS-03 an unsigned invalidate_handle (and is_valid) appended to the redirect leaves the association in place', async () => {
    const store = new MemoryStore();
    const rp = makeRp(store);
    const { auth, handle, back } = await loginAt(rp, `${ps.base}/id/alice`);
    assert.ok(handle);
    const url = new URL(back.url);
    url.searchParams.set('openid.invalidate_handle', handle);
    url.searchParams.set('openid.is_valid', 'true');
    await rp.complete(url.toString(), { state: auth.state });
    assert.ok(await store.getAssociation(ps.endpoint, handle), 'association kept');
    // And the next login uses it without associating again.
    const start = ps.log.length;
    const next = await rp.begin(`${ps.base}/id/alice`);
    assert.equal(new URL(next.redirectUrl).searchParams.get('openid.assoc_handle'), handle);
    assert.deepEqual(
      ps.log.slice(start).filter((m) => m === 'associate'),
      [],
    );
  });

  test("AS-04 invalidate_handle from another provider's check_authentication answer removes nothing of this provider", async () => {
    const store = new MemoryStore();
    const rp = makeRp(store);
    const honest = await loginAt(rp, `${ps.base}/id/alice`);
    const liveHandle = honest.handle as string;
    assert.ok(liveHandle);
    // The attacker's provider answers check_authentication with is_valid:true and E's handle.
    const evil = await startHostileOP((f) =>
      f['mode'] === 'check_authentication'
        ? { body: kv({ ns: OPENID2_NS, is_valid: 'true', invalidate_handle: liveHandle }) }
        : { status: 400, body: kv({ ns: OPENID2_NS, error_code: 'unsupported-type', error: 'no' }) },
    );
    // The attacker's identity page names the attacker's endpoint.
    const page = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html><head><link rel="openid2.provider" href="${evil.endpoint}"></head></html>`);
    });
    try {
      {
        const auth = await rp.begin(`${page.base}/mallory`);
        const req = Message.fromQuery(auth.redirectUrl);
        const forged = Message.create('2.0');
        forged.update(OPENID_NS, {
          mode: 'id_res',
          op_endpoint: evil.endpoint,
          claimed_id: req.get(OPENID_NS, 'claimed_id') as string,
          identity: req.get(OPENID_NS, 'identity') as string,
          return_to: req.get(OPENID_NS, 'return_to') as string,
          response_nonce: `${new Date().toISOString().slice(0, 19)}Zx1`,
          assoc_handle: 'evil-private',
          invalidate_handle: liveHandle,
          signed: 'op_endpoint,claimed_id,identity,return_to,response_nonce,assoc_handle',
          sig: 'AAAA',
        });
        const result = await rp.complete(forged.toURL(req.get(OPENID_NS, 'return_to') as string), {
          state: auth.state,
        });
        assert.equal(result.status, 'success', JSON.stringify(result)); // the attacker may log in as its own URL
        assert.ok(evil.requests.some((r) => r['mode'] === 'check_authentication'));
        assert.ok(await store.getAssociation(ps.endpoint, liveHandle), "E's association kept");
      }
    } finally {
      await page.close();
      await evil.close();
    }
  });
});

describe('AS: associate answers the relying party must refuse (hostile endpoint over HTTP)', () => {
  let op: HostileOP;
  before(async () => {
    op = await startHostileOP((f) => ({ body: kv(honestAssociateFields(f).fields) }));
  });
  after(() => op.close());

  const sha256 = new SessionNegotiator([{ assocType: 'HMAC-SHA256', sessionType: 'DH-SHA256' }]);
  const run = () => associate(op.endpoint, '2.0', { fetcher: loopbackFetcher, negotiator: sha256 });

  test('AS-05 control: the honest answer gives an association', async () => {
    op.handler = (f) => ({ body: kv(honestAssociateFields(f).fields) });
    const r = await run();
    assert.ok(r.association, JSON.stringify(r.error));
  });

  for (const [what, bend] of [
    ['assoc_type HMAC-SHA1 when HMAC-SHA256 was asked', { assoc_type: 'HMAC-SHA1' }],
    ['session_type DH-SHA1 when DH-SHA256 was asked', { session_type: 'DH-SHA1' }],
    ['session_type no-encryption when DH-SHA256 was asked', { session_type: 'no-encryption' }],
  ] as const) {
    test(`AS-05 refuses an answer with ${what}`, async () => {
      op.handler = (f) => ({ body: kv({ ...honestAssociateFields(f).fields, ...bend }) });
      const r = await run();
      assert.equal(r.association, null);
      assert.equal(r.error?.code, 'assoc_response_invalid');
    });
  }

  for (const [what, handle] of [
    ['a space', 'a b'],
    ['a tab', 'a\tb'],
    ['256 characters', 'h'.repeat(256)],
    ['non-ASCII', 'hé'],
    ['nothing', ''],
  ] as const) {
    test(`AS-06 refuses an assoc_handle with ${what}`, async () => {
      op.handler = (f) => ({ body: rawKv({ ...honestAssociateFields(f).fields, assoc_handle: handle }) });
      const r = await run();
      assert.equal(r.association, null);
      assert.equal(r.error?.code, 'assoc_response_invalid');
    });
  }

  test('AS-06 a handle shaped like a path never becomes a path in the file store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-as06-'));
    try {
      const store = new FileStore({ directory: join(dir, 'store') });
      const handle = '../../../../escaped';
      op.handler = (f) => ({ body: kv(honestAssociateFields(f, { handle }).fields) });
      const r = await run();
      assert.ok(r.association, 'the handle is valid syntax (ASCII 33-126)');
      await store.storeAssociation(op.endpoint, r.association);
      assert.deepEqual(readdirSync(dir), ['store'], 'nothing written beside the store directory');
      const back = await store.getAssociation(op.endpoint, handle);
      assert.ok(back?.equals(r.association));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const expiresIn of ['-1', 'abc', '1e9', ' 3600', '3600 ', '99999999999999999999', '', '0x10', '+5']) {
    test(`AS-07 refuses expires_in ${JSON.stringify(expiresIn)}`, async () => {
      op.handler = (f) => ({ body: rawKv({ ...honestAssociateFields(f).fields, expires_in: expiresIn }) });
      const r = await run();
      assert.equal(r.association, null);
      assert.equal(r.error?.code, 'assoc_response_invalid');
    });
  }

  test('AS-07 clamps a huge but well-formed expires_in to the maximum lifetime', async () => {
    op.handler = (f) => ({ body: kv(honestAssociateFields(f, { expiresIn: '9999999999' }).fields) });
    const r = await run();
    assert.ok(r.association);
    assert.equal(r.association.lifetime, MAX_ASSOCIATION_LIFETIME);
  });

  test('AS-08 an unsupported-type answer suggesting no-encryption over http is not followed', async () => {
    op.handler = () => ({
      status: 400,
      body: kv({
        ns: OPENID2_NS,
        mode: 'error',
        error: 'try plaintext',
        error_code: 'unsupported-type',
        assoc_type: 'HMAC-SHA256',
        session_type: 'no-encryption',
      }),
    });
    const start = op.requests.length;
    const r = await associate(op.endpoint, '2.0', { fetcher: loopbackFetcher });
    assert.equal(r.association, null);
    assert.equal(r.error?.code, 'assoc_unsupported');
    const sent = op.requests.slice(start);
    // The unusable suggestion is not followed; the relying party's own next pair is tried instead (issue 24).
    assert.deepEqual(
      sent.map((f) => `${f['assoc_type']}/${f['session_type']}`),
      ['HMAC-SHA256/DH-SHA256', 'HMAC-SHA1/DH-SHA1'],
    );
    assert.ok(sent.every((f) => f['session_type'] !== 'no-encryption'));
  });

  test('AS-08 a provider that keeps suggesting gets one retry, then the RP goes stateless', async () => {
    op.handler = (f) => ({
      status: 400,
      body: kv({
        ns: OPENID2_NS,
        mode: 'error',
        error: 'no',
        error_code: 'unsupported-type',
        // Always suggest "the other" pair.
        assoc_type: f['assoc_type'] === 'HMAC-SHA256' ? 'HMAC-SHA1' : 'HMAC-SHA256',
        session_type: f['session_type'] === 'DH-SHA256' ? 'DH-SHA1' : 'DH-SHA256',
      }),
    });
    const start = op.requests.length;
    const r = await associate(op.endpoint, '2.0', { fetcher: loopbackFetcher });
    assert.equal(r.association, null);
    assert.equal(op.requests.length - start, 2);
  });
});

describe('AS: the provider side (Provider over HTTP)', () => {
  let ps: ProviderServer;
  before(async () => {
    ps = await startProviderServer({ allowNoEncryptionOverHttp: false });
  });
  after(() => ps.close());

  test('AS-09 refuses a no-encryption associate over plain http with unsupported-type suggesting DH', async () => {
    const a = await opPost(ps, {
      'openid.ns': OPENID2_NS,
      'openid.mode': 'associate',
      'openid.assoc_type': 'HMAC-SHA256',
      'openid.session_type': 'no-encryption',
    });
    assert.equal(a.status, 400);
    const m = kvAnswer(a);
    assert.equal(m.get(OPENID_NS, 'error_code'), 'unsupported-type');
    assert.equal(m.get(OPENID_NS, 'session_type'), 'DH-SHA256');
    assert.equal(m.get(OPENID_NS, 'mac_key'), undefined);
    assert.equal(m.get(OPENID_NS, 'assoc_handle'), undefined);
  });

  test('AS-10 a checkid naming an unknown handle gets a private-handle assertion with invalidate_handle, which check_authentication confirms', async () => {
    const fields = {
      'openid.ns': OPENID2_NS,
      'openid.mode': 'checkid_setup',
      'openid.claimed_id': `${ps.base}/id/alice`,
      'openid.identity': `${ps.base}/id/alice`,
      'openid.return_to': RETURN,
      'openid.realm': 'http://rp.example/',
      'openid.assoc_handle': '{HMAC-SHA256}{0}{gone}',
    };
    const url = new URL(ps.endpoint);
    for (const [k, v] of Object.entries(fields)) url.searchParams.set(k, v);
    const back = Message.fromQuery((await browse(url.toString())).url);
    assert.equal(back.get(OPENID_NS, 'mode'), 'id_res');
    assert.equal(back.get(OPENID_NS, 'invalidate_handle'), '{HMAC-SHA256}{0}{gone}');
    const privateHandle = back.get(OPENID_NS, 'assoc_handle') as string;
    assert.notEqual(privateHandle, '{HMAC-SHA256}{0}{gone}');
    assert.ok((back.get(OPENID_NS, 'signed') ?? '').split(',').includes('invalidate_handle'));
    const check = Object.fromEntries(back.toURLSearchParams());
    check['openid.mode'] = 'check_authentication';
    const answer = kvAnswer(await opPost(ps, check));
    assert.equal(answer.get(OPENID_NS, 'is_valid'), 'true');
    assert.equal(answer.get(OPENID_NS, 'invalidate_handle'), '{HMAC-SHA256}{0}{gone}');
  });

  test('AS-11 a tampered (bit-flipped) private handle is not valid in check_authentication', async () => {
    const url = new URL(ps.endpoint);
    for (const [k, v] of Object.entries({
      'openid.ns': OPENID2_NS,
      'openid.mode': 'checkid_setup',
      'openid.claimed_id': `${ps.base}/id/alice`,
      'openid.identity': `${ps.base}/id/alice`,
      'openid.return_to': RETURN,
      'openid.realm': 'http://rp.example/',
    }))
      url.searchParams.set(k, v);
    const back = Object.fromEntries(new URL((await browse(url.toString())).url).searchParams);
    const handle = back['openid.assoc_handle'] as string;
    const last = handle.charCodeAt(handle.length - 2);
    const flipped = handle.slice(0, -2) + String.fromCharCode(last ^ 1) + handle.slice(-1);
    const answer = kvAnswer(
      await opPost(ps, { ...back, 'openid.mode': 'check_authentication', 'openid.assoc_handle': flipped }),
    );
    assert.equal(answer.get(OPENID_NS, 'is_valid'), 'false');
    // The genuine handle is still good once (the tampered try did not consume it).
    const genuine = kvAnswer(await opPost(ps, { ...back, 'openid.mode': 'check_authentication' }));
    assert.equal(genuine.get(OPENID_NS, 'is_valid'), 'true');
  });

  for (const [assocType, sessionType, length] of [
    ['HMAC-SHA1', 'DH-SHA1', 20],
    ['HMAC-SHA256', 'DH-SHA256', 32],
  ] as const) {
    test(`AS-12 ${assocType} MAC keys are exactly ${length} bytes and fresh for every association`, async () => {
      const keys = new Set<string>();
      for (let i = 0; i < 5; i++) {
        const session = createConsumerSession(sessionType);
        const a = await opPost(ps, {
          'openid.ns': OPENID2_NS,
          'openid.mode': 'associate',
          'openid.assoc_type': assocType,
          'openid.session_type': sessionType,
          ...Object.fromEntries(Object.entries(session.requestArgs()).map(([k, v]) => [`openid.${k}`, v])),
        });
        assert.equal(a.status, 200);
        const m = kvAnswer(a);
        const key = session.extractMacKey(m.toOpenIDArgs(), assocType);
        assert.equal(key.length, length);
        keys.add(Buffer.from(key).toString('hex'));
        // The key the RP recovered is the key the provider stored.
        const stored = await ps.op.store.getAssociation(
          `${ps.endpoint}#shared`,
          m.get(OPENID_NS, 'assoc_handle') as string,
        );
        assert.ok(stored instanceof Association);
        assert.equal(Buffer.from(stored.secret).toString('hex'), Buffer.from(key).toString('hex'));
      }
      assert.equal(keys.size, 5);
    });
  }
});
