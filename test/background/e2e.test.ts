/**
 * Background associations end to end over HTTP on 127.0.0.1, against a
 * provider whose associate answer takes 300 ms: with 'inline' the first
 * begin() waits for it; with 'background' begin() does not, the login
 * succeeds stateless, the worker associates, and the next login uses the
 * association (the provider sees no further check_authentication).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryQueue } from '../../src/background/memory-queue.js';
import { runWorkerOnce } from '../../src/background/worker.js';
import { createFetcher } from '../../src/discovery/fetcher.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { FakeOP, identityPage } from '../helpers/fake-op.js';
import { serveFetcher } from '../helpers/serve-fetcher.js';

async function slowProvider() {
  const events: string[] = [];
  let op!: FakeOP;
  const server = await serveFetcher((base) => {
    op = new FakeOP(`${base}/op`, { pages: { [`${base}/alice`]: identityPage(`${base}/op`) } });
    return async (url, init) => {
      if (init?.method === 'POST' && String(init.body).includes('openid.mode=associate')) {
        await new Promise((r) => setTimeout(r, 300));
        const r = await op.fetcher(url, init);
        events.push('associate answered');
        return r;
      }
      return op.fetcher(url, init);
    };
  });
  return { server, op: () => op, events };
}

function rpFor(_base: string, mode: 'inline' | 'background', store: MemoryStore, queue?: MemoryQueue) {
  return new RelyingParty({
    realm: 'https://rp.example/',
    returnTo: 'https://rp.example/return',
    secret: 's'.repeat(40),
    store,
    associations: mode,
    ...(queue ? { queue } : {}),
    fetch: { allowPrivateNetworks: true },
  });
}

async function finish(rp: RelyingParty, op: FakeOP, auth: Awaited<ReturnType<RelyingParty['begin']>>) {
  const assertion = op.assertion(FakeOP.request(auth.redirectUrl));
  return rp.complete(FakeOP.returnUrl(assertion), { state: auth.state });
}

describe('background associations end to end', () => {
  test("'inline': the first begin() waits for the association exchange", async () => {
    const p = await slowProvider();
    try {
      const rp = rpFor(p.server.base, 'inline', new MemoryStore());
      const auth = await rp.begin(`${p.server.base}/alice`);
      p.events.push('begin returned');
      assert.deepEqual(p.events, ['associate answered', 'begin returned']);
      assert.equal(auth.usesAssociation, true);
    } finally {
      await p.server.close();
    }
  });

  test("'background': begin() returns first, the login goes stateless, the worker associates, the next login uses it", async () => {
    const p = await slowProvider();
    try {
      const store = new MemoryStore();
      const queue = new MemoryQueue();
      const rp = rpFor(p.server.base, 'background', store, queue);
      const auth = await rp.begin(`${p.server.base}/alice`);
      p.events.push('begin returned');
      assert.deepEqual(p.events, ['begin returned']);
      assert.equal(auth.usesAssociation, false);
      assert.equal(queue.size, 1);

      const first = await finish(rp, p.op(), auth);
      assert.equal(first.status, 'success', JSON.stringify(first));
      assert.deepEqual(p.op().log, ['check_authentication']);

      const logs: Record<string, unknown>[] = [];
      const stats = await runWorkerOnce({
        store,
        queue,
        fetcher: createFetcher({ allowPrivateNetworks: true }),
        logger: (l) => logs.push(l),
      });
      assert.deepEqual([stats.associated, stats.failed], [1, 0]);
      assert.equal(logs[0]?.['event'], 'associated');
      assert.equal(logs[0]?.['assocType'], 'HMAC-SHA256');
      assert.equal(typeof logs[0]?.['elapsedMs'], 'number');

      const auth2 = await rp.begin(`${p.server.base}/alice`);
      assert.equal(auth2.usesAssociation, true);
      const second = await finish(rp, p.op(), auth2);
      assert.equal(second.status, 'success', JSON.stringify(second));
      assert.equal((second as { verifiedBy: string }).verifiedBy, 'association');
      // Proven from the provider's side: one associate, and no second check_authentication.
      assert.deepEqual(p.op().log, ['check_authentication', 'associate']);

      // A second worker pass skips the endpoint: its association is still good.
      await queue.push({ opEndpoint: `${p.server.base}/op`, version: '2.0' });
      const again = await runWorkerOnce({
        store,
        queue,
        fetcher: createFetcher({ allowPrivateNetworks: true }),
        logger: () => {},
      });
      assert.deepEqual([again.skipped, again.associated], [1, 0]);
    } finally {
      await p.server.close();
    }
  });

  test('one bad endpoint does not stop the worker; it stays queued for a later try', async () => {
    const store = new MemoryStore();
    const queue = new MemoryQueue();
    await queue.push({ opEndpoint: 'http://127.0.0.1:9/op', version: '2.0' });
    const logs: Record<string, unknown>[] = [];
    const stats = await runWorkerOnce({
      store,
      queue,
      fetch: { allowPrivateNetworks: true, timeoutMs: 2000 },
      logger: (l) => logs.push(l),
    });
    assert.deepEqual([stats.failed, stats.associated], [1, 0]);
    assert.equal(logs[0]?.['event'], 'associate_failed');
    assert.equal(queue.size, 1);
  });
});
