/**
 * `RedisStore({ replicaAcks })` on the shared single Redis, which has no
 * replica: `WAIT` confirms nothing, so a fresh nonce or an association is
 * never reported stored (the call fails), while a nonce already used is still
 * refused (a refused `SET NX` needs no replica). The crash it protects from
 * is exercised in redis-cluster-crash.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisStore } from '../../src/drivers/redis.js';
import { Association } from '../../src/protocol/association.js';
import { REDIS_URL, serviceSkip, tempRedisPrefix } from '../helpers/services.js';

const OP = 'https://op.example/openid';

describe('RedisStore replicaAcks', () => {
  let skip: string | false = false;
  let temp: Awaited<ReturnType<typeof tempRedisPrefix>> | null = null;
  before(async () => {
    skip = await serviceSkip('redis');
    if (!skip) temp = await tempRedisPrefix();
  });
  after(async () => {
    await temp?.drop();
  });

  it('fails closed when no replica confirms, refuses a used nonce, and stores nothing it calls fresh', async (t) => {
    if (skip || !temp) return t.skip(skip || 'no redis');
    const plain = new RedisStore({ url: REDIS_URL, keyPrefix: temp.prefix, autoCleanup: false });
    const acked = new RedisStore({
      url: REDIS_URL,
      keyPrefix: temp.prefix,
      autoCleanup: false,
      replicaAcks: 1,
      replicaAckTimeoutMs: 50,
    });
    try {
      const now = Math.floor(Date.now() / 1000);
      assert.equal(await plain.useNonce(OP, now, 'used'), true);
      assert.equal(await acked.useNonce(OP, now, 'used'), false, 'a used nonce is refused without waiting');
      await assert.rejects(acked.useNonce(OP, now, 'fresh'), /reached 0 of 1 replicas within 50 ms/);
      const association = new Association({
        handle: 'h1',
        secret: new Uint8Array(32).fill(7),
        issued: now,
        lifetime: 600,
        assocType: 'HMAC-SHA256',
      });
      await assert.rejects(acked.storeAssociation(OP, association), /reached 0 of 1 replicas/);
      // Without a replica the nonce the failed call wrote is still on this master: a second try is refused.
      assert.equal(await plain.useNonce(OP, now, 'fresh'), false);
      assert.throws(
        () => new RedisStore({ url: REDIS_URL, replicaAcks: -1 }),
        /replicaAcks must be a whole number/,
      );
    } finally {
      await plain.close();
      await acked.close();
    }
  });
});
