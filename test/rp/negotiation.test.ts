/**
 * Association negotiation (issue 24): after an unusable suggestion the
 * relying party tries its own next allowed pair; what a provider refused,
 * and whether it was reachable, is remembered per endpoint (in the store
 * when it keeps endpoint notes), by the relying party and the worker alike.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EndpointMemory, negotiateAssociation } from '../../src/associations/negotiate.js';
import {
  type AssociationPair,
  associate,
  nextPairAfterRefusal,
  SessionNegotiator,
} from '../../src/associations/negotiation.js';
import { MemoryQueue } from '../../src/background/memory-queue.js';
import { runWorkerOnce } from '../../src/background/worker.js';
import type { Fetcher } from '../../src/discovery/fetcher.js';
import { FetchError } from '../../src/protocol/errors.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { FakeOP, OP, TestStore } from '../helpers/fake-op.js';

const S256: AssociationPair = { assocType: 'HMAC-SHA256', sessionType: 'DH-SHA256' };
const S1: AssociationPair = { assocType: 'HMAC-SHA1', sessionType: 'DH-SHA1' };
const S256_OVER_DH1: AssociationPair = { assocType: 'HMAC-SHA256', sessionType: 'DH-SHA1' };

/**
 * A provider that behaves as Net::OpenID::Server: HMAC-SHA256 over DH-SHA256
 * gets `unsupported-type` suggesting HMAC-SHA256 over DH-SHA1 (unusable);
 * HMAC-SHA1 over DH-SHA1 is accepted. Counts its associate requests.
 */
function quirkyProvider(now = () => Math.floor(Date.now() / 1000)) {
  const op = new FakeOP(OP, { now });
  const associates: string[] = [];
  const fetcher: Fetcher = async (url, init = {}) => {
    if (url === OP && init.method === 'POST') {
      const m = Message.fromPostArgs(new URLSearchParams(String(init.body)));
      if (m.get(OPENID_NS, 'mode') === 'associate') {
        const pair = `${m.get(OPENID_NS, 'assoc_type')}/${m.get(OPENID_NS, 'session_type')}`;
        associates.push(pair);
        if (m.get(OPENID_NS, 'assoc_type') === 'HMAC-SHA256') {
          const body =
            'ns:http://specs.openid.net/auth/2.0\nerror_code:unsupported-type\nerror:use DH-SHA1\n' +
            'assoc_type:HMAC-SHA256\nsession_type:DH-SHA1\n';
          return {
            url,
            status: 400,
            headers: new Headers(),
            body: new TextEncoder().encode(body),
            text: () => body,
          };
        }
      }
    }
    return op.fetcher(url, init);
  };
  return { op, fetcher, associates };
}

describe('nextPairAfterRefusal (spec §8.2.4)', () => {
  const n = new SessionNegotiator();
  const cases: [string, AssociationPair | null, AssociationPair[], AssociationPair | null][] = [
    ['an allowed, untried suggestion is followed', S1, [S256], S1],
    ['an unusable suggestion (HMAC-SHA256 over DH-SHA1) gives our own next pair', S256_OVER_DH1, [S256], S1],
    ['no suggestion gives our own next pair', null, [S256], S1],
    ['a suggestion already tried gives our own next pair', S256, [S256], S1],
    ['nothing left when every allowed pair was tried', S256_OVER_DH1, [S256, S1], null],
  ];
  for (const [name, suggestion, tried, want] of cases) {
    test(name, () => {
      assert.deepEqual(nextPairAfterRefusal(suggestion, tried, n, OP, '2.0'), want);
    });
  }
  test('pairs to skip (remembered refusals) are not chosen', () => {
    assert.equal(nextPairAfterRefusal(null, [S256], n, OP, '2.0', [S1]), null);
  });
});

describe('associate() after an unusable suggestion', () => {
  test('tries HMAC-SHA1 over DH-SHA1 and associates; the refused pair is reported', async () => {
    const q = quirkyProvider();
    const r = await associate(OP, '2.0', { fetcher: q.fetcher });
    assert.ok(r.association);
    assert.equal(r.association.assocType, 'HMAC-SHA1');
    assert.deepEqual(q.associates, ['HMAC-SHA256/DH-SHA256', 'HMAC-SHA1/DH-SHA1']);
    assert.deepEqual(r.refused, [S256]);
    assert.equal(r.unreachable, false);
  });

  test('a connection refused is reported as unreachable; a refusal is not', async () => {
    const dead: Fetcher = async (url) => {
      throw new FetchError('fetch_failed', `could not fetch ${url}: ECONNREFUSED`, { url });
    };
    const r = await associate(OP, '2.0', { fetcher: dead });
    assert.equal(r.association, null);
    assert.equal(r.unreachable, true);
    const refusing = new FakeOP(OP, { refuseAssociations: true });
    const r2 = await associate(OP, '2.0', { fetcher: refusing.fetcher });
    assert.equal(r2.unreachable, false);
    assert.equal(r2.error?.code, 'assoc_unsupported');
  });

  test('an HTTP 5xx answer is reported as unreachable', async () => {
    const failing: Fetcher = async (url) => ({
      url,
      status: 503,
      headers: new Headers(),
      body: new Uint8Array(),
      text: () => '',
    });
    const r = await associate(OP, '2.0', { fetcher: failing });
    assert.equal(r.unreachable, true);
  });
});

describe('the negative cache', () => {
  test('five logins at the quirky provider: one refused exchange, then the association is reused', async () => {
    const q = quirkyProvider();
    const rp = new RelyingParty({
      realm: 'https://rp.example/',
      returnTo: 'https://rp.example/return',
      secret: 's'.repeat(40),
      store: new MemoryStore(),
      fetcher: q.fetcher,
    });
    for (let i = 0; i < 5; i++)
      assert.equal((await rp.begin('https://alice.example/')).usesAssociation, true);
    assert.deepEqual(q.associates, ['HMAC-SHA256/DH-SHA256', 'HMAC-SHA1/DH-SHA1']);
  });

  test('only HMAC-SHA256 allowed: exactly one associate request over five logins, all stateless', async () => {
    const q = quirkyProvider();
    const rp = new RelyingParty({
      realm: 'https://rp.example/',
      returnTo: 'https://rp.example/return',
      secret: 's'.repeat(40),
      store: new MemoryStore(),
      fetcher: q.fetcher,
      negotiator: new SessionNegotiator([S256]),
    });
    for (let i = 0; i < 5; i++)
      assert.equal((await rp.begin('https://alice.example/')).usesAssociation, false);
    assert.equal(q.associates.length, 1);
  });

  test('renewal after the association is gone skips the pair refused before', async () => {
    const q = quirkyProvider();
    const store = new MemoryStore({ now: () => 1_000_000 });
    const memory = new EndpointMemory({ store, now: () => 1_000_000 });
    const o = { fetcher: q.fetcher, negotiator: new SessionNegotiator(), memory, now: () => 1_000_000 };
    await negotiateAssociation(OP, '2.0', o);
    q.associates.length = 0;
    const again = await negotiateAssociation(OP, '2.0', o);
    assert.equal(again.association?.assocType, 'HMAC-SHA1');
    assert.deepEqual(q.associates, ['HMAC-SHA1/DH-SHA1']);
  });

  test('a store with endpoint notes shares them: a second relying party makes no doomed request', async () => {
    const q = quirkyProvider();
    const store = new MemoryStore();
    const make = () =>
      new RelyingParty({
        realm: 'https://rp.example/',
        returnTo: 'https://rp.example/return',
        secret: 's'.repeat(40),
        store,
        fetcher: q.fetcher,
        negotiator: new SessionNegotiator([S256]),
      });
    await make().begin('https://alice.example/');
    await make().begin('https://alice.example/');
    assert.equal(q.associates.length, 1);
  });

  test('a store without endpoint notes still works: each process remembers for itself', async () => {
    const q = quirkyProvider();
    const store = new TestStore();
    const make = () =>
      new RelyingParty({
        realm: 'https://rp.example/',
        returnTo: 'https://rp.example/return',
        secret: 's'.repeat(40),
        store,
        fetcher: q.fetcher,
        negotiator: new SessionNegotiator([S256]),
      });
    const one = make();
    await one.begin('https://alice.example/');
    await one.begin('https://alice.example/');
    assert.equal(q.associates.length, 1);
    await make().begin('https://alice.example/');
    assert.equal(q.associates.length, 2);
  });

  test('notes expire: after the TTL the exchange is tried again', async () => {
    let now = 1_000_000;
    const q = quirkyProvider(() => now);
    const store = new MemoryStore({ now: () => now });
    const memory = new EndpointMemory({ store, now: () => now, refusedTtlSeconds: 600 });
    const o = { fetcher: q.fetcher, negotiator: new SessionNegotiator([S256]), memory, now: () => now };
    assert.equal((await negotiateAssociation(OP, '2.0', o)).remembered, null);
    assert.equal((await negotiateAssociation(OP, '2.0', o)).remembered, 'refused');
    assert.equal(q.associates.length, 1);
    now += 601;
    assert.equal((await negotiateAssociation(OP, '2.0', o)).remembered, null);
    assert.equal(q.associates.length, 2);
  });

  test('an unreachable endpoint is not called again while remembered', async () => {
    let calls = 0;
    const dead: Fetcher = async (url) => {
      calls++;
      throw new FetchError('fetch_failed', 'ECONNREFUSED', { url });
    };
    const memory = new EndpointMemory({ store: new MemoryStore({ now: () => 5000 }), now: () => 5000 });
    const o = { fetcher: dead, negotiator: new SessionNegotiator(), memory, now: () => 5000 };
    await negotiateAssociation(OP, '2.0', o);
    const again = await negotiateAssociation(OP, '2.0', o);
    assert.equal(again.remembered, 'unreachable');
    assert.equal(calls, 1);
  });

  test('the worker honours the same memory: a remembered refusal is skipped without a request', async () => {
    const q = quirkyProvider();
    const store = new MemoryStore();
    const rp = new RelyingParty({
      realm: 'https://rp.example/',
      returnTo: 'https://rp.example/return',
      secret: 's'.repeat(40),
      store,
      fetcher: q.fetcher,
      negotiator: new SessionNegotiator([S256]),
    });
    await rp.begin('https://alice.example/');
    assert.equal(q.associates.length, 1);
    const queue = new MemoryQueue();
    await queue.push({ opEndpoint: OP, version: '2.0' });
    const lines: Record<string, unknown>[] = [];
    const stats = await runWorkerOnce({
      store,
      queue,
      fetcher: q.fetcher,
      negotiator: new SessionNegotiator([S256]),
      logger: (l) => lines.push(l),
    });
    assert.equal(q.associates.length, 1);
    assert.equal(stats.skipped, 1);
    assert.equal(lines[0]?.['remembered'], 'refused');
  });

  test('the worker notes an unreachable endpoint; a background relying party then skips it', async () => {
    const store = new MemoryStore();
    const queue = new MemoryQueue();
    await queue.push({ opEndpoint: 'https://dead.example/op', version: '2.0' });
    const dead: Fetcher = async (url) => {
      throw new FetchError('fetch_failed', 'ECONNREFUSED', { url });
    };
    await runWorkerOnce({ store, queue, fetcher: dead, logger: () => {} });
    const memory = new EndpointMemory({ store, now: () => Math.floor(Date.now() / 1000) });
    assert.equal(await memory.isUnreachable('https://dead.example/op'), true);
  });
});
