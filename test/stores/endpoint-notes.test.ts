/**
 * The optional endpoint-note operations of the store contract (issue 24's
 * negative cache): put, get, replace, expiry, separation by kind and URL —
 * on every store that implements them (Memory, Redis). Stores without them
 * keep working: the notes then stay in each process (test/rp/negotiation.test.ts).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { RedisStore } from '../../src/drivers/redis.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { OpenIDStore } from '../../src/stores/store.js';
import { REDIS_URL, serviceSkip, tempRedisPrefix } from '../helpers/services.js';

const A = 'https://op-a.example/server';
const B = 'https://op-b.example/server';

function suite(name: string, make: (now: () => number) => Promise<OpenIDStore>, skip: string | false) {
  describe(`${name}: endpoint notes`, { skip }, () => {
    let now = 2_000_000_000;
    const closers: (() => Promise<void>)[] = [];
    after(async () => {
      for (const c of closers) await c();
    });
    const fresh = async () => {
      const store = await make(() => now);
      closers.push(async () => store.close?.());
      return store;
    };

    test('a note is read back until it expires, then it is gone', async () => {
      const s = await fresh();
      assert.equal(await s.getEndpointNote?.(A, 'unreachable'), null);
      await s.putEndpointNote?.(A, 'unreachable', '1', now + 60);
      assert.equal(await s.getEndpointNote?.(A, 'unreachable'), '1');
      if (name === 'memory') {
        now += 61; // Redis expires by its own clock: only the TTL set is checked there
        assert.equal(await s.getEndpointNote?.(A, 'unreachable'), null);
      }
    });

    test('a later note of the same kind replaces the earlier one', async () => {
      const s = await fresh();
      await s.putEndpointNote?.(A, 'assoc-refused', 'HMAC-SHA256 DH-SHA256', now + 600);
      await s.putEndpointNote?.(A, 'assoc-refused', 'HMAC-SHA256 DH-SHA256,HMAC-SHA1 DH-SHA1', now + 600);
      assert.equal(await s.getEndpointNote?.(A, 'assoc-refused'), 'HMAC-SHA256 DH-SHA256,HMAC-SHA1 DH-SHA1');
    });

    test('notes are kept apart by endpoint and by kind', async () => {
      const s = await fresh();
      await s.putEndpointNote?.(A, 'unreachable', '1', now + 600);
      assert.equal(await s.getEndpointNote?.(B, 'unreachable'), null);
      assert.equal(await s.getEndpointNote?.(A, 'assoc-refused'), null);
    });
  });
}

suite('memory', async (now) => new MemoryStore({ now }), false);

describe('redis: endpoint notes expire by a TTL', { skip: await serviceSkip('redis') }, () => {
  test('the key carries the TTL of expiresAt', async () => {
    const p = await tempRedisPrefix();
    const now = Math.floor(Date.now() / 1000);
    const store = new RedisStore({ url: REDIS_URL, keyPrefix: p.prefix, now: () => now });
    const { Redis } = await import('ioredis');
    const raw = new Redis(REDIS_URL);
    try {
      await store.putEndpointNote(A, 'unreachable', '1', now + 120);
      const keys = await raw.keys(`${p.prefix}note:*`);
      assert.equal(keys.length, 1);
      const ttl = await raw.ttl(keys[0] as string);
      assert.ok(ttl > 100 && ttl <= 120, `ttl ${ttl}`);
    } finally {
      await raw.quit();
      await store.close();
      await p.drop();
    }
  });
});

const redisSkip = await serviceSkip('redis');
const prefixes: { drop(): Promise<void> }[] = [];
after(async () => {
  for (const p of prefixes) await p.drop();
});
suite(
  'redis',
  async (now) => {
    const p = await tempRedisPrefix();
    prefixes.push(p);
    return new RedisStore({ url: REDIS_URL, keyPrefix: p.prefix, now });
  },
  redisSkip,
);
