/**
 * The openid2:* tracing channels during real logins over HTTP: each channel
 * fires with the payload docs/observability.md describes, and no payload
 * carries a secret of that login (MAC key, signature, state, DH values).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SessionNegotiator } from '../../src/associations/negotiation.js';
import { MemoryQueue } from '../../src/background/memory-queue.js';
import { runWorkerOnce } from '../../src/background/worker.js';
import { createFetcher, type Fetcher } from '../../src/discovery/fetcher.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import { type Event, record } from './record.js';

let ps: ProviderServer;
before(async () => {
  ps = await startProviderServer();
});
after(() => ps.close());

/** Every value of this login an observer must never see. */
interface Secrets {
  values: string[];
}

/** A fetcher that remembers the DH values and MAC keys that cross the wire. */
function spyingFetcher(secrets: Secrets): Fetcher {
  const inner = createFetcher({ allowPrivateNetworks: true });
  return async (url, init = {}) => {
    const body = init.body instanceof URLSearchParams ? init.body : new URLSearchParams(init.body ?? '');
    for (const k of ['openid.dh_consumer_public', 'openid.sig']) {
      const v = body.get(k);
      if (v) secrets.values.push(v);
    }
    const res = await inner(url, init);
    for (const line of res.text().split('\n')) {
      const [k, v] = [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)];
      if (['dh_server_public', 'enc_mac_key', 'mac_key'].includes(k) && v) secrets.values.push(v);
    }
    return res;
  };
}

function makeRp(stateless: boolean, secrets: Secrets, store = new MemoryStore()): RelyingParty {
  return new RelyingParty({
    realm: 'http://rp.example/',
    returnTo: 'http://rp.example/return',
    secret: 'k'.repeat(40),
    store: stateless ? null : store,
    negotiator: new SessionNegotiator([{ assocType: 'HMAC-SHA256', sessionType: 'DH-SHA256' }]),
    fetcher: spyingFetcher(secrets),
  });
}

async function secretsOfStore(store: MemoryStore, endpoint: string, secrets: Secrets): Promise<void> {
  const a = await store.getAssociation(endpoint);
  if (a) {
    secrets.values.push(Buffer.from(a.secret).toString('base64'), Buffer.from(a.secret).toString('hex'));
  }
}

function assertNoSecret(events: Event[], secrets: Secrets): void {
  assert.ok(secrets.values.length > 0, 'the test found the secrets of the login');
  for (const e of events) {
    for (const s of secrets.values) {
      if (s.length < 8) continue;
      assert.ok(!e.json.includes(s), `${e.channel} ${e.phase} carries a secret: ${e.json}`);
      // also percent-encoded, as it would appear in a URL
      assert.ok(
        !e.json.includes(encodeURIComponent(s)),
        `${e.channel} ${e.phase} carries a secret (encoded)`,
      );
    }
  }
}

describe('tracing channels during a login', () => {
  test('a successful login with an association: begin, discovery, fetch, associate, op.request, store, complete', async () => {
    const secrets: Secrets = { values: [] };
    const store = new MemoryStore();
    const rp = makeRp(false, secrets, store);
    const rec = record();
    try {
      ps.decision = 'allow';
      const identifier = `${ps.base}/id/alice`;
      const auth = await rp.begin(identifier);
      secrets.values.push(auth.state);
      const back = await browse(auth.redirectUrl);
      const sig = new URL(back.url).searchParams.get('openid.sig');
      assert.ok(sig);
      secrets.values.push(sig);
      const result = await rp.complete(back.url, { state: auth.state });
      assert.equal(result.status, 'success');
      await secretsOfStore(store, ps.endpoint, secrets);

      const [begin] = rec.done('openid2:rp.begin');
      assert.deepEqual(begin, {
        identifier,
        opEndpoint: ps.endpoint,
        version: '2.0',
        associated: true,
      });
      const [disc] = rec.done('openid2:discovery');
      assert.equal(disc?.['identifier'], identifier);
      assert.equal(disc?.['cached'], false);
      // The identity page's XRDS lists the endpoint twice: as OpenID 2.0 and as 1.1.
      assert.deepEqual(disc?.['endpoints'], [ps.endpoint, ps.endpoint]);
      assert.equal(disc?.['services'], 2);
      const fetches = rec.done('openid2:fetch');
      assert.ok(fetches.some((f) => f['url'] === identifier && f['method'] === 'GET' && f['status'] === 200));
      assert.ok(
        fetches.some((f) => f['url'] === ps.endpoint && f['method'] === 'POST' && f['status'] === 200),
      );
      const [assoc] = rec.done('openid2:associate');
      assert.equal(assoc?.['outcome'], 'association');
      assert.equal(assoc?.['assocType'], 'HMAC-SHA256');
      assert.equal(assoc?.['sessionType'], 'DH-SHA256');
      assert.equal(assoc?.['attempts'], 1);
      const modes = rec.done('openid2:op.request').map((r) => `${r['mode']}:${r['outcome']}`);
      assert.deepEqual(modes, ['associate:ok', 'checkid_setup:id_res']);
      const storeOps = rec.done('openid2:store').map((s) => s['operation']);
      assert.ok(storeOps.includes('storeAssociation'));
      assert.deepEqual(
        rec.done('openid2:store').find((s) => s['operation'] === 'useNonce'),
        { operation: 'useNonce', serverUrl: ps.endpoint, fresh: true },
      );
      const [complete] = rec.done('openid2:rp.complete');
      assert.deepEqual(complete, {
        returnTo: 'http://rp.example/return',
        mode: 'id_res',
        outcome: 'success',
        claimedId: identifier,
        opEndpoint: ps.endpoint,
        verifiedBy: 'association',
      });
      assert.equal(rec.done('openid2:check_authentication').length, 0);
      assertNoSecret(rec.events, secrets);
    } finally {
      rec.stop();
    }
  });

  test('a stateless login: check_authentication is traced with its verdict', async () => {
    const secrets: Secrets = { values: [] };
    const rp = makeRp(true, secrets);
    const rec = record();
    try {
      ps.decision = 'allow';
      const auth = await rp.begin(`${ps.base}/id/alice`);
      secrets.values.push(auth.state);
      const back = await browse(auth.redirectUrl);
      secrets.values.push(new URL(back.url).searchParams.get('openid.sig') as string);
      const result = await rp.complete(back.url, { state: auth.state });
      assert.equal(result.status, 'success');
      const [ca] = rec.done('openid2:check_authentication');
      assert.equal(ca?.['opEndpoint'], ps.endpoint);
      assert.equal(ca?.['outcome'], 'valid');
      assert.equal(rec.done('openid2:rp.begin')[0]?.['associated'], false);
      assert.deepEqual(
        rec.done('openid2:op.request').map((r) => [r['mode'], r['outcome'], r['isValid']]),
        [
          ['checkid_setup', 'id_res', undefined],
          ['check_authentication', 'ok', true],
        ],
      );
      assert.equal(rec.done('openid2:rp.complete')[0]?.['verifiedBy'], 'check_authentication');
      assertNoSecret(rec.events, secrets);
    } finally {
      rec.stop();
    }
  });

  test('failures: a forged signature, a changed return_to, a cancel, a replay each end with their code', async () => {
    const secrets: Secrets = { values: [] };
    const store = new MemoryStore();
    const rp = makeRp(false, secrets, store);
    const rec = record();
    try {
      ps.decision = 'allow';
      const auth = await rp.begin(`${ps.base}/id/alice`);
      secrets.values.push(auth.state);
      const back = await browse(auth.redirectUrl);
      const url = new URL(back.url);
      secrets.values.push(url.searchParams.get('openid.sig') as string);
      const forged = new URL(url);
      forged.searchParams.set('openid.sig', Buffer.alloc(32, 7).toString('base64'));
      const moved = back.url.replace('http://rp.example/return', 'http://rp.example/elsewhere');
      assert.equal((await rp.complete(forged.href, { state: auth.state })).status, 'failure');
      assert.equal((await rp.complete(moved, { state: auth.state })).status, 'failure');
      assert.equal((await rp.complete(back.url, { state: auth.state })).status, 'success');
      assert.equal((await rp.complete(back.url, { state: auth.state })).status, 'failure');
      ps.decision = 'deny';
      const auth2 = await rp.begin(`${ps.base}/id/alice`);
      secrets.values.push(auth2.state);
      const denied = await browse(auth2.redirectUrl);
      assert.equal((await rp.complete(denied.url, { state: auth2.state })).status, 'cancel');
      await secretsOfStore(store, ps.endpoint, secrets);

      const outcomes = rec.done('openid2:rp.complete').map((c) => [c['outcome'], c['code']]);
      assert.deepEqual(outcomes, [
        ['failure', 'bad_signature'],
        ['failure', 'return_to_mismatch'],
        ['success', undefined],
        ['failure', 'nonce_replay'],
        ['cancel', undefined],
      ]);
      const first = rec.done('openid2:rp.complete')[0];
      assert.equal(typeof first?.['reason'], 'string');
      assert.equal(first?.['assertedClaimedId'], `${ps.base}/id/alice`);
      assert.equal(rec.done('openid2:store').find((s) => s['fresh'] === false)?.['operation'], 'useNonce');
      assertNoSecret(rec.events, secrets);
    } finally {
      rec.stop();
      ps.decision = 'allow';
    }
  });

  test('a discovery failure ends begin and discovery with an error carrying its code', async () => {
    const rp = makeRp(true, { values: [] });
    const rec = record();
    try {
      await assert.rejects(rp.begin(`${ps.base}/nobody`), { code: 'http_status' });
      const errors = rec.events.filter((e) => e.phase === 'error').map((e) => e.channel);
      assert.deepEqual(errors, ['openid2:discovery', 'openid2:rp.begin']);
      const fetched = rec.done('openid2:fetch');
      assert.equal(fetched[0]?.['status'], 404);
      const beginError = rec.events.find((e) => e.channel === 'openid2:rp.begin' && e.phase === 'error');
      assert.equal((beginError?.ctx['error'] as { code?: string } | undefined)?.code, 'http_status');
    } finally {
      rec.stop();
    }
  });

  test('a worker job is traced with its outcome, and its associate call too', async () => {
    const queue = new MemoryQueue();
    const store = new MemoryStore();
    await queue.push({ opEndpoint: ps.endpoint, version: '2.0' });
    await queue.push({ opEndpoint: `${ps.base}/missing`, version: '2.0' });
    const secrets: Secrets = { values: [] };
    const rec = record();
    try {
      const stats = await runWorkerOnce({
        store,
        queue,
        fetcher: spyingFetcher(secrets),
        logger: () => {},
      });
      assert.equal(stats.associated, 1);
      await secretsOfStore(store, ps.endpoint, secrets);
      const jobs = rec.done('openid2:worker.job').map((j) => [j['opEndpoint'], j['outcome']]);
      assert.deepEqual(jobs, [
        [ps.endpoint, 'associated'],
        [`${ps.base}/missing`, 'failed'],
      ]);
      const assoc = rec.done('openid2:associate');
      assert.deepEqual(
        assoc.map((a) => a['outcome']),
        ['association', 'failed'],
      );
      assert.equal(assoc[1]?.['code'], 'assoc_response_invalid');
      assertNoSecret(rec.events, secrets);
    } finally {
      rec.stop();
    }
  });

  test('nothing is published when no one subscribes (the operation runs the same)', async () => {
    const rp = makeRp(true, { values: [] });
    const auth = await rp.begin(`${ps.base}/id/alice`);
    const back = await browse(auth.redirectUrl);
    const result = await rp.complete(back.url, { state: auth.state });
    assert.equal(result.status, 'success');
  });
});
