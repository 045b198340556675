/**
 * SQL store schema: created once on first use even when many processes start
 * together on a fresh database, recorded with its version, and a database
 * migrated by a newer openid2 refused rather than misread. SQLite runs in WAL
 * mode. Redis keeps every key under its prefix.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { MySQLStore } from '../../src/drivers/mysql.js';
import { PostgresStore } from '../../src/drivers/postgres.js';
import { RedisStore } from '../../src/drivers/redis.js';
import { SQLiteStore } from '../../src/drivers/sqlite.js';
import { Association } from '../../src/protocol/association.js';
import { StoreError } from '../../src/protocol/errors.js';
import { SCHEMA_VERSION, type SqlStore } from '../../src/stores/sql.js';
import { privateRedis, privateRedisSkip } from '../helpers/faults.js';
import { serviceSkip, tempMysql, tempPostgres } from '../helpers/services.js';

interface Backend {
  name: string;
  skip(): Promise<string | false>;
  /** A fresh database: a store factory and raw SQL on it. */
  make(): Promise<{
    store(): SqlStore;
    query(sql: string): Promise<Record<string, unknown>[]>;
    drop(): Promise<void>;
  }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    skip: async () => false,
    async make() {
      const dir = mkdtempSync(join(tmpdir(), 'openid2-schema-'));
      const path = join(dir, 'store.db');
      return {
        store: () => new SQLiteStore({ path }),
        async query(sql) {
          const db = new Database(path);
          try {
            const st = db.prepare(sql);
            if (st.reader) return st.all() as Record<string, unknown>[];
            st.run();
            return [];
          } finally {
            db.close();
          }
        },
        drop: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'PostgreSQL',
    skip: () => serviceSkip('postgres'),
    async make() {
      const db = await tempPostgres();
      const { default: pg } = await import('pg');
      return {
        store: () => new PostgresStore({ connectionString: db.url, max: 2 }),
        async query(sql) {
          const c = new pg.Client({ connectionString: db.url });
          await c.connect();
          try {
            return (await c.query(sql)).rows;
          } finally {
            await c.end();
          }
        },
        drop: db.drop,
      };
    },
  },
  {
    name: 'MySQL/MariaDB',
    skip: () => serviceSkip('mysql'),
    async make() {
      const db = await tempMysql();
      const { default: mysql } = await import('mysql2/promise');
      return {
        store: () => new MySQLStore({ uri: db.url, connectionLimit: 2 }),
        async query(sql) {
          const c = await mysql.createConnection({ uri: db.url });
          try {
            const [rows] = await c.query(sql);
            return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
          } finally {
            await c.end();
          }
        },
        drop: db.drop,
      };
    },
  },
];

for (const b of backends) {
  describe(`SQL schema: ${b.name}`, async () => {
    const skip = await b.skip();
    test('8 stores starting together on a fresh database all create the schema and work', {
      skip,
    }, async () => {
      const db = await b.make();
      const stores = Array.from({ length: 8 }, () => db.store());
      try {
        const now = Math.floor(Date.now() / 1000);
        const results = await Promise.allSettled(
          stores.map((s, i) => s.useNonce('https://op.example/', now, `s${i}`)),
        );
        assert.deepEqual(
          results.map((r) => (r.status === 'fulfilled' ? r.value : String(r.reason))),
          stores.map(() => true),
        );
        const rows = await db.query('SELECT version FROM openid2_schema');
        assert.ok(rows.length >= 1);
        assert.ok(rows.every((r) => Number(r['version']) === SCHEMA_VERSION));
      } finally {
        for (const s of stores) await s.close();
        await db.drop();
      }
    });

    test('a schema recorded by a newer openid2 is refused with store_schema_newer', { skip }, async () => {
      const db = await b.make();
      const first = db.store();
      await first.migrate();
      await first.close();
      await db.query(`INSERT INTO openid2_schema (version) VALUES (${SCHEMA_VERSION + 1})`);
      const store = db.store();
      try {
        await assert.rejects(
          store.useNonce('https://op.example/', Math.floor(Date.now() / 1000), 'x'),
          (e: unknown) => {
            assert.ok(e instanceof StoreError);
            assert.equal(e.code, 'store_schema_newer');
            return true;
          },
        );
      } finally {
        await store.close();
        await db.drop();
      }
    });
  });
}

test('SQLite runs in WAL mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-wal-'));
  const store = new SQLiteStore({ path: join(dir, 'store.db') });
  try {
    await store.migrate();
    const db = new Database(join(dir, 'store.db'), { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Redis keeps every key under its prefix', { skip: privateRedisSkip() }, async () => {
  // A private server, so that "every key" means every key.
  const server = await privateRedis();
  const store = new RedisStore({ url: server.url, keyPrefix: 'app1:openid2:' });
  try {
    const now = Math.floor(Date.now() / 1000);
    const a = new Association({
      handle: 'h',
      secret: Buffer.alloc(20, 1),
      issued: now,
      lifetime: 60,
      assocType: 'HMAC-SHA1',
    });
    await store.storeAssociation('https://op.example/', a);
    await store.useNonce('https://op.example/', now, 'n');
    const { Redis } = await import('ioredis');
    const r = new Redis(server.url);
    const keys = await r.keys('*');
    await r.quit();
    assert.ok(keys.length >= 2, keys.join(','));
    for (const k of keys) assert.ok(k.startsWith('app1:openid2:'), k);
  } finally {
    await store.close();
    await server.close();
  }
});
