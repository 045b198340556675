/**
 * Class 7 of issue 27, "store keys never collide": a server URL or nonce salt holding a lone
 * surrogate has no UTF-8 form (encoders turn it into U+FFFD), so it would share keys with
 * the U+FFFD spelling. Every store refuses such input at its boundary, and the key hash is
 * lossless for any string anyway (the queue and anything else hashing keys).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MemoryQueue } from '../../src/background/memory-queue.js';
import { MySQLStore } from '../../src/drivers/mysql.js';
import { PostgresStore } from '../../src/drivers/postgres.js';
import { RedisStore } from '../../src/drivers/redis.js';
import { SQLiteStore } from '../../src/drivers/sqlite.js';
import { Association } from '../../src/protocol/association.js';
import { hashKey, hasLoneSurrogate } from '../../src/stores/common.js';
import { FileStore } from '../../src/stores/file.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { OpenIDStore } from '../../src/stores/store.js';
import { REDIS_URL, serviceSkip, tempMysql, tempPostgres, tempRedisPrefix } from '../helpers/services.js';

const LONE_HIGH = 'https://op.example/\ud800';
const LONE_LOW = 'https://op.example/\udc00';
const REPLACED = 'https://op.example/\ufffd';
const now = () => Math.floor(Date.now() / 1000);
const assoc = () =>
  new Association({
    handle: 'h-lossless',
    secret: new Uint8Array(20).fill(9),
    issued: now(),
    lifetime: 3600,
    assocType: 'HMAC-SHA1',
  });

describe('hashKey is lossless', () => {
  test('a lone surrogate and U+FFFD give different keys', () => {
    assert.notEqual(hashKey(LONE_HIGH), hashKey(REPLACED));
    assert.notEqual(hashKey(LONE_LOW), hashKey(REPLACED));
    assert.notEqual(hashKey(LONE_HIGH), hashKey(LONE_LOW));
    assert.notEqual(hashKey('x', 1, '\ud800'), hashKey('x', 1, '\ufffd'));
  });

  test('well-formed strings keep the key they always had (stored data stays reachable)', () => {
    const expected = createHash('sha256').update('1:a\u00000:\u0000').digest('hex');
    assert.equal(hashKey('a', ''), expected);
    const pair = createHash('sha256').update(Buffer.from('2:😀\u0000', 'utf8')).digest('hex');
    assert.equal(hashKey('😀'), pair);
  });

  test('hasLoneSurrogate: halves alone yes, pairs and U+FFFD no', () => {
    assert.equal(hasLoneSurrogate('a\ud800'), true);
    assert.equal(hasLoneSurrogate('\udc00a'), true);
    assert.equal(hasLoneSurrogate('\udc00\ud800'), true);
    assert.equal(hasLoneSurrogate('😀'), false);
    assert.equal(hasLoneSurrogate('\ufffd'), false);
  });

  test('the queue keeps endpoints that differ only in a lone surrogate apart from U+FFFD', async () => {
    const q = new MemoryQueue();
    await q.push({ opEndpoint: LONE_HIGH, version: '2.0' });
    await q.push({ opEndpoint: REPLACED, version: '2.0' });
    assert.equal((await q.take(10)).length, 2);
  });
});

interface Backend {
  name: string;
  skip(): Promise<string | false>;
  make(): Promise<{ store: OpenIDStore; done(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'MemoryStore',
    skip: async () => false,
    make: async () => ({ store: new MemoryStore(), done: async () => {} }),
  },
  {
    name: 'FileStore',
    skip: async () => false,
    async make() {
      const dir = mkdtempSync(join(tmpdir(), 'openid2-lossless-'));
      return {
        store: new FileStore({ directory: dir }),
        done: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'SQLiteStore',
    skip: async () => false,
    async make() {
      const dir = mkdtempSync(join(tmpdir(), 'openid2-lossless-'));
      const store = new SQLiteStore({ path: join(dir, 's.db') });
      return {
        store,
        async done() {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'PostgresStore',
    skip: () => serviceSkip('postgres'),
    async make() {
      const db = await tempPostgres();
      const store = new PostgresStore({ connectionString: db.url });
      return {
        store,
        async done() {
          await store.close();
          await db.drop();
        },
      };
    },
  },
  {
    name: 'MySQLStore',
    skip: () => serviceSkip('mysql'),
    async make() {
      const db = await tempMysql();
      const store = new MySQLStore({ uri: db.url });
      return {
        store,
        async done() {
          await store.close();
          await db.drop();
        },
      };
    },
  },
  {
    name: 'RedisStore',
    skip: () => serviceSkip('redis'),
    async make() {
      const p = await tempRedisPrefix();
      const store = new RedisStore({ url: REDIS_URL, keyPrefix: p.prefix });
      return {
        store,
        async done() {
          await store.close?.();
          await p.drop();
        },
      };
    },
  },
];

const refused = { code: 'store_invalid_input' };

for (const backend of backends) {
  describe(`lossless store keys: ${backend.name}`, async () => {
    const skip = await backend.skip();
    test('a server URL with a lone surrogate is refused by every operation; U+FFFD is stored apart', {
      skip,
    }, async () => {
      const { store, done } = await backend.make();
      try {
        for (const url of [LONE_HIGH, LONE_LOW]) {
          await assert.rejects(store.storeAssociation(url, assoc()), refused);
          await assert.rejects(store.getAssociation(url), refused);
          await assert.rejects(store.getAssociation(url, 'h-lossless'), refused);
          await assert.rejects(store.removeAssociation(url, 'h-lossless'), refused);
          await assert.rejects(store.useNonce(url, now(), 'salt'), refused);
        }
        await store.storeAssociation(REPLACED, assoc());
        assert.equal((await store.getAssociation(REPLACED, 'h-lossless'))?.handle, 'h-lossless');
        assert.equal(await store.useNonce(REPLACED, now(), 'salt'), true);
      } finally {
        await done();
      }
    });

    test('a nonce salt with a lone surrogate is refused; the U+FFFD salt is its own nonce', {
      skip,
    }, async () => {
      const { store, done } = await backend.make();
      try {
        const t = now();
        await assert.rejects(store.useNonce(REPLACED, t, 'a\ud800'), refused);
        await assert.rejects(store.useNonce(REPLACED, t, '\udfffb'), refused);
        assert.equal(await store.useNonce(REPLACED, t, 'a\ufffd'), true);
        assert.equal(await store.useNonce(REPLACED, t, 'a\ufffd'), false);
      } finally {
        await done();
      }
    });
  });
}
