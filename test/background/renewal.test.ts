/**
 * Renewal (DESIGN.md §5): a running worker renews the associations it made
 * before they lapse, so a steady site never falls back to stateless mode;
 * and PostgreSQL's queue wakes its worker by LISTEN/NOTIFY.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryQueue } from '../../src/background/memory-queue.js';
import type { TakenEntry, TakeOptions } from '../../src/background/queue.js';
import { runWorkerOnce, startAssociationWorker } from '../../src/background/worker.js';
import { PostgresQueue } from '../../src/drivers/postgres.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { startProviderServer } from '../helpers/op-server.js';
import { serviceSkip, tempPostgres } from '../helpers/services.js';

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('renewal', () => {
  test('an association entering the renewal margin is renewed by the running worker', async () => {
    const op = await startProviderServer({ sharedAssociationLifetime: 3600 });
    let clock = 1_800_000_000;
    const now = () => clock;
    const store = new MemoryStore({ now });
    const queue = new MemoryQueue();
    const logs: Record<string, unknown>[] = [];
    const worker = startAssociationWorker({
      store,
      queue,
      now,
      renewalMarginSeconds: 300,
      renewIntervalMs: 30,
      waitMs: 50,
      fetch: { allowPrivateNetworks: true },
      logger: (l) => logs.push(l),
    });
    try {
      await queue.push({ opEndpoint: op.endpoint, version: '2.0' });
      await until(() => worker.stats.associated === 1, 'the first association');
      const first = await store.getAssociation(op.endpoint);
      assert.ok(first);
      assert.equal(first.lifetime, 3600);

      // Half an hour later: still well outside the margin, nothing renewed.
      clock += 1800;
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(worker.stats.associated, 1);

      // 200 s before it lapses: inside the 300 s margin, the worker renews without being asked.
      clock += 1600;
      await until(() => worker.stats.associated === 2, 'the renewal');
      const renewed = await store.getAssociation(op.endpoint);
      assert.ok(renewed);
      assert.notEqual(renewed.handle, first.handle);
      assert.equal(renewed.expiresIn(clock), 3600);
      assert.deepEqual(
        op.log.filter((m) => m === 'associate'),
        ['associate', 'associate'],
      );
      // Renewed before the old one lapsed: at no moment was there no usable association.
      assert.ok(first.expiresIn(clock) > 0);
    } finally {
      await worker.stop();
      await op.close();
    }
  });
});

describe('renewal of an association another worker made', () => {
  test('a worker that found the association already made (and skipped it) still renews it', async () => {
    const op = await startProviderServer({ sharedAssociationLifetime: 3600 });
    let clock = 1_800_000_000;
    const now = () => clock;
    const store = new MemoryStore({ now });
    const queue = new MemoryQueue();
    const common = { store, queue, now, fetch: { allowPrivateNetworks: true }, logger: () => {} };
    await queue.push({ opEndpoint: op.endpoint, version: '2.0' });
    const earlier = await runWorkerOnce(common);
    assert.equal(earlier.associated, 1);
    const worker = startAssociationWorker({
      ...common,
      renewalMarginSeconds: 300,
      renewIntervalMs: 30,
      waitMs: 50,
    });
    try {
      await queue.push({ opEndpoint: op.endpoint, version: '2.0' });
      await until(() => worker.stats.skipped === 1, 'the skip');
      clock += 3400;
      await until(() => worker.stats.associated === 1, 'the renewal');
      assert.equal((await store.getAssociation(op.endpoint))?.expiresIn(clock), 3600);
    } finally {
      await worker.stop();
      await op.close();
    }
  });
});

describe('back-off after a failure', () => {
  test('a failing endpoint handed out again is not retried before its back-off (60 s, then 120 s)', async () => {
    let clock = 1_800_000_000;
    const now = () => clock;
    let deliveries = 0;
    // Leases of 30 ms: the queue hands the failing entry out again and again.
    const queue = new (class extends MemoryQueue {
      override async take(max: number, options?: TakeOptions): Promise<TakenEntry[]> {
        const got = await super.take(max, options);
        deliveries += got.length;
        return got;
      }
    })({ leaseMs: 30 });
    const logs: Record<string, unknown>[] = [];
    const worker = startAssociationWorker({
      store: new MemoryStore({ now }),
      queue,
      now,
      waitMs: 20,
      fetch: { allowPrivateNetworks: true, timeoutMs: 2000 },
      logger: (l) => logs.push(l),
    });
    try {
      await queue.push({ opEndpoint: 'http://127.0.0.1:9/op', version: '2.0' });
      await until(() => worker.stats.failed === 1, 'the first failure');
      const seen = deliveries;
      await until(() => deliveries >= seen + 5, 'five more deliveries');
      assert.equal(worker.stats.failed, 1, 'retried during its back-off');
      clock += 61;
      await until(() => worker.stats.failed === 2, 'the retry after 60 s');
      const seen2 = deliveries;
      clock += 61;
      await until(() => deliveries >= seen2 + 5, 'five more deliveries');
      assert.equal(worker.stats.failed, 2, 'the second back-off is 120 s');
      assert.deepEqual(
        logs.filter((l) => l['event'] === 'associate_failed').map((l) => l['retryInSeconds']),
        [60, 120],
      );
      assert.equal(queue.size, 1, 'still queued');
    } finally {
      await worker.stop();
    }
  });
});

describe('PostgreSQL queue wake-up', async () => {
  const skip = await serviceSkip('postgres');
  test('a waiting take LISTENs on the queue channel and a push sends NOTIFY on it', { skip }, async () => {
    const db = await tempPostgres();
    const { default: pg } = await import('pg');
    const consumer = new PostgresQueue({ connectionString: db.url });
    const producer = new PostgresQueue({ connectionString: db.url });
    const watcher = new pg.Client({ connectionString: db.url });
    await watcher.connect();
    const heard: string[] = [];
    watcher.on('notification', (n) => heard.push(n.channel));
    await watcher.query('LISTEN "openid2_queue"');
    try {
      const waiting = consumer.take(1, { waitMs: 10_000 });
      await until(async () => {
        const r = await watcher.query(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query = \'LISTEN "openid2_queue"\' AND pid <> pg_backend_pid()',
        );
        return (r.rows[0] as { n: number }).n >= 1;
      }, 'the consumer to LISTEN');
      await producer.push({ opEndpoint: 'https://op.example/notify', version: '2.0' });
      const got = await waiting;
      assert.equal(got[0]?.opEndpoint, 'https://op.example/notify');
      await consumer.ack(got);
      await until(() => heard.length > 0, 'the notification');
      assert.deepEqual(heard, ['openid2_queue']);
    } finally {
      await watcher.end();
      await consumer.close();
      await producer.close();
      await db.drop();
    }
  });
});
