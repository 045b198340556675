/**
 * Issue 25, item 3: the Redis store and queue on an ioredis `Cluster`,
 * against a real local cluster of three masters and three replicas the test
 * starts itself, through a failover of the master holding the association
 * (its replica promoted with `CLUSTER FAILOVER`): no replay is accepted
 * before, during or after it, and the association is still there.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedisQueue } from '../../src/background/redis-queue.js';
import { RedisStore } from '../../src/drivers/redis.js';
import { Association } from '../../src/protocol/association.js';
import { clusterForSuite } from '../helpers/redis-cluster.js';

const OP = 'https://op.example/openid';
const PREFIX = 'openid2:cl:';
const NONCES = 300;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Redis Cluster: store and queue, through a failover', () => {
  const cluster = clusterForSuite();

  it('keeps every nonce single-use and the association, with the queue working, across a failover', async (t) => {
    const c = cluster();
    if (typeof c === 'string') return t.skip(c);
    const { Cluster } = await import('ioredis');
    const client = new Cluster([{ host: '127.0.0.1', port: c.ports[0] as number }], {
      redisOptions: { connectTimeout: 5000 },
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
      maxRedirections: 32,
    });
    client.on('error', () => {});
    const store = new RedisStore({ client, keyPrefix: PREFIX, autoCleanup: false });
    // A second process's view: no association cache, so it reads the cluster itself.
    const reader = new RedisStore({ client, keyPrefix: PREFIX, autoCleanup: false, associationCache: false });
    const queue = new RedisQueue({ client, keyPrefix: PREFIX, leaseMs: 60_000 });
    try {
      const now = Math.floor(Date.now() / 1000);
      const association = new Association({
        handle: 'cluster-handle',
        secret: new Uint8Array(32).map((_, i) => i + 1),
        issued: now,
        lifetime: 3600,
        assocType: 'HMAC-SHA256',
      });
      await store.storeAssociation(OP, association);
      const salts = Array.from({ length: NONCES }, (_, i) => `salt-${i}`);
      for (const s of salts) assert.equal(await store.useNonce(OP, now, s), true, s);
      for (const s of salts.slice(0, 50)) assert.equal(await store.useNonce(OP, now, s), false, s);

      // The queue's keys share one slot: pushes (MULTI) and takes (scripts) work on the cluster.
      for (let i = 0; i < 3; i++) await queue.push({ opEndpoint: `https://op${i}.example/`, version: '2.0' });
      const taken = await queue.take(1);
      assert.equal(taken.length, 1);

      // Fail over the master that holds the association's hash.
      const { createHash } = await import('node:crypto');
      const assocKey = `${PREFIX}assoc:${createHash('sha256').update(OP).digest('hex')}`;
      const { master, replica } = await c.masterAndReplicaOf(assocKey);

      // Replays keep coming while the failover happens; errors are allowed, an acceptance is not.
      let accepted = 0;
      let attempts = 0;
      let failing = true;
      const replays = (async () => {
        let i = 0;
        while (failing) {
          const s = salts[i++ % salts.length] as string;
          attempts++;
          if (await store.useNonce(OP, now, s).catch(() => false)) accepted++;
          await sleep(2);
        }
      })();
      try {
        assert.equal(await c.cli(replica, 'CLUSTER', 'FAILOVER'), 'OK');
        for (let i = 1; ; i++) {
          if ((await c.cli(replica, 'ROLE')).startsWith('master')) break;
          if (i > 600) throw new Error('the replica was not promoted');
          // A manual failover gives up when the replica cannot catch up in time (a loaded machine): ask again.
          if (i % 50 === 0) await c.cli(replica, 'CLUSTER', 'FAILOVER').catch(() => '');
          await sleep(100);
        }
        await c.waitHealthy();
        assert.ok((await c.cli(master, 'ROLE')).startsWith('slave'), 'the old master is now a replica');
        await sleep(500);
      } finally {
        // Whatever happened above, the replay loop ends (else it keeps the process alive).
        failing = false;
        await replays;
      }
      assert.ok(attempts > 0);
      assert.equal(accepted, 0, 'no replay accepted during the failover');

      // After: the association is there (read from the cluster, not a cache), every nonce still used.
      const found = await reader.getAssociation(OP, 'cluster-handle');
      assert.ok(found, 'the association survived the failover');
      assert.deepEqual([...found.secret], [...association.secret]);
      let replayed = 0;
      for (const s of salts) if (await store.useNonce(OP, now, s)) replayed++;
      assert.equal(replayed, 0, 'no replay accepted after the failover');
      assert.equal(await store.useNonce(OP, now, 'fresh-after-failover'), true);

      // The queue still hands out what waited, and acks.
      const rest = await queue.take(5);
      assert.equal(rest.length, 2);
      await queue.ack([...taken, ...rest]);
      assert.equal((await queue.take(5)).length, 0);
    } finally {
      await queue.close();
      await store.close();
      await reader.close();
      await client.quit().catch(() => client.disconnect());
    }
  });
});
