/**
 * Issue 17: the worker does not punish a provider for the database's fault.
 * A store that does not answer gives no provider back-off; an association
 * already negotiated is stored when the store answers, without a new
 * request to the provider; after a database restart every pending endpoint
 * is associated within seconds of its return.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryQueue } from '../../src/background/memory-queue.js';
import { runWorkerOnce, startAssociationWorker } from '../../src/background/worker.js';
import { PostgresStore } from '../../src/drivers/postgres.js';
import type { Association } from '../../src/protocol/association.js';
import { StoreError } from '../../src/protocol/errors.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { OpenIDStore } from '../../src/stores/store.js';
import { privatePostgres, privatePostgresSkip } from '../helpers/faults.js';
import { browse, startProviderServer } from '../helpers/op-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** A MemoryStore whose writes fail like an unreachable database while `down`. */
class FlakyStore extends MemoryStore {
  down = false;
  override async storeAssociation(serverUrl: string, a: Association): Promise<void> {
    if (this.down) throw new StoreError('store_unavailable', 'storing an association: no answer (test)');
    return super.storeAssociation(serverUrl, a);
  }
}

describe('worker and store faults', () => {
  test('a finished exchange is kept and stored when the store answers: one associate request per endpoint, no provider back-off', {
    timeout: 60_000,
  }, async () => {
    const server = await startProviderServer();
    const store = new FlakyStore();
    store.down = true;
    const queue = new MemoryQueue();
    const lines: Record<string, unknown>[] = [];
    const worker = startAssociationWorker({
      store,
      queue,
      fetch: { allowPrivateNetworks: true },
      logger: (l) => lines.push(l),
      waitMs: 100,
    });
    try {
      const endpoints = [1, 2, 3].map((i) => `${server.endpoint}?e=${i}`);
      for (const e of endpoints) await queue.push({ opEndpoint: e, version: '2.0' });
      await until(
        () => lines.filter((l) => l['event'] === 'store_unavailable').length >= 3,
        20_000,
        'three store failures',
      );
      store.down = false;
      await until(
        async () => (await Promise.all(endpoints.map((e) => store.getAssociation(e)))).every(Boolean),
        10_000,
        'all associated',
      );
      const associates = server.log.filter((m) => m === 'associate').length;
      process.stderr.write(
        `worker: ${associates} associate requests for 3 endpoints across a store outage; events ${JSON.stringify([...new Set(lines.map((l) => l['event']))])}\n`,
      );
      assert.equal(associates, 3);
      assert.equal(worker.stats.failed, 0);
      assert.equal(lines.filter((l) => l['event'] === 'associate_failed').length, 0);
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  test('two workers whose lease runs out mid-exchange may both associate one endpoint: harmless, the login verifies locally', {
    timeout: 60_000,
  }, async () => {
    const server = await startProviderServer();
    server.associateDelayMs = 300; // longer than the lease
    const store = new MemoryStore();
    const queue = new MemoryQueue({ leaseMs: 50 });
    try {
      await queue.push({ opEndpoint: server.endpoint, version: '2.0' });
      const run = () =>
        runWorkerOnce({
          store,
          queue,
          fetch: { allowPrivateNetworks: true },
          logger: () => {},
          batchSize: 1,
        });
      await Promise.all([run(), sleep(100).then(run)]);
      const associates = server.log.filter((m) => m === 'associate').length;
      const rp = new RelyingParty({
        realm: 'http://127.0.0.1:9/',
        returnTo: 'http://127.0.0.1:9/return',
        secret: 'two-workers-secret-0123456789abcdef',
        store,
        fetch: { allowPrivateNetworks: true },
      });
      const auth = await rp.begin(`${server.base}/id/alice`);
      const back = await browse(auth.redirectUrl);
      const r = await rp.complete(back.url, { state: auth.state });
      process.stderr.write(
        `two workers: ${associates} associate requests for one endpoint; login ${r.status}, check_authentication requests ${server.log.filter((m) => m === 'check_authentication').length}\n`,
      );
      assert.equal(associates, 2, 'both workers associated the endpoint (the case under test)');
      assert.equal(r.status, 'success');
      assert.equal(
        server.log.filter((m) => m === 'check_authentication').length,
        0,
        'verified with a stored association',
      );
    } finally {
      await server.close();
    }
  });

  const skip = privatePostgresSkip();
  test('worker + PostgreSQL restart (down 5 s): every pending endpoint associated within 10 s of its return', {
    skip,
    timeout: 90_000,
  }, async () => {
    const pg = await privatePostgres();
    const server = await startProviderServer();
    const store: OpenIDStore = new PostgresStore({ connectionString: pg.url, max: 4, timeoutMs: 1000 });
    const queue = new MemoryQueue();
    const lines: Record<string, unknown>[] = [];
    let worker: ReturnType<typeof startAssociationWorker> | undefined;
    try {
      await store.cleanupNonces(); // schema made while up
      await pg.down();
      const downAt = Date.now();
      worker = startAssociationWorker({
        store,
        queue,
        fetch: { allowPrivateNetworks: true },
        logger: (l) => lines.push(l),
        waitMs: 100,
      });
      const endpoints = [1, 2, 3, 4, 5].map((i) => `${server.endpoint}?e=${i}`);
      for (const e of endpoints) await queue.push({ opEndpoint: e, version: '2.0' });
      await until(() => lines.some((l) => l['event'] === 'store_unavailable'), 20_000, 'a store failure');
      await sleep(Math.max(0, 5000 - (Date.now() - downAt)));
      await pg.up();
      const upAt = Date.now();
      await until(
        async () =>
          (await Promise.all(endpoints.map((e) => store.getAssociation(e).catch(() => null)))).every(Boolean),
        10_000,
        'every endpoint associated within 10 s of the database coming back',
      );
      const ms = Date.now() - upAt;
      process.stderr.write(
        `worker: 5 endpoints associated ${ms} ms after PostgreSQL came back (down ${upAt - downAt} ms)\n`,
      );
      assert.equal(worker.stats.failed, 0, 'no provider was backed off');
    } finally {
      await worker?.stop();
      await store.close?.();
      await server.close();
      await pg.close();
    }
  });
});
