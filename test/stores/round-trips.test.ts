/**
 * Issue 25, item 1: with a held association, one `complete()` costs one
 * round trip to a shared store — the nonce insert — on PostgreSQL, MySQL,
 * Redis and SQLite. Each driver object is wrapped so every statement or
 * command it is asked to send is counted, and the count per login asserted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CLAIMED_ID,
  makeAssertions,
  makeProvider,
  makeRelyingParty,
  OP_ENDPOINT,
} from '../../bench/world.js';
import type { OpenIDStore } from '../../src/stores/store.js';
import { REDIS_URL, serviceSkip, tempMysql, tempPostgres, tempRedisPrefix } from '../helpers/services.js';

const LOGINS = 20;

/** A proxy of `target` whose methods named in `counted` add one to `counter.n` per call. */
function counting<T extends object>(target: T, counted: readonly string[], counter: { n: number }): T {
  return new Proxy(target, {
    get(t, key) {
      const v = Reflect.get(t, key, t) as unknown;
      if (typeof v !== 'function') return v;
      const f = v as (...args: unknown[]) => unknown;
      if (typeof key === 'string' && counted.includes(key)) {
        return (...args: unknown[]) => {
          counter.n++;
          return f.apply(t, args);
        };
      }
      return f.bind(t);
    },
  });
}

/**
 * begin() (which associates and stores the association), then LOGINS
 * complete() calls on fresh assertions; returns the round trips the
 * complete() calls made in all, and checks each was a success.
 */
async function roundTripsOfLogins(store: OpenIDStore, counter: { n: number }): Promise<number> {
  const op = makeProvider();
  const rp = makeRelyingParty(op, store);
  const auth = await rp.begin(CLAIMED_ID);
  assert.equal(auth.usesAssociation, true);
  const assertions = await makeAssertions(op, auth.redirectUrl, LOGINS);
  counter.n = 0;
  for (const url of assertions) {
    const r = await rp.complete(url, { state: auth.state });
    assert.equal(r.status, 'success', JSON.stringify(r));
  }
  const total = counter.n;
  // A replay is still refused (the one round trip is the check that refuses it).
  const replay = await rp.complete(assertions[0] as string, { state: auth.state });
  assert.notEqual(replay.status, 'success');
  return total;
}

// autoCleanup off: the cleanup runs once per interval in the background and is not part of a login.
const base = { autoCleanup: false } as const;

describe('one store round trip per complete() with a held association', () => {
  it('PostgreSQL: one statement per login', async (t) => {
    const skip = await serviceSkip('postgres');
    if (skip) return t.skip(skip);
    const db = await tempPostgres();
    const { default: pg } = await import('pg');
    const { PostgresStore } = await import('../../src/drivers/postgres.js');
    const pool = new pg.Pool({ connectionString: db.url, max: 4 });
    const counter = { n: 0 };
    const store = new PostgresStore({ ...base, pool: counting(pool, ['query', 'connect'], counter) });
    try {
      assert.equal(await roundTripsOfLogins(store, counter), LOGINS);
    } finally {
      await store.close();
      await pool.end();
      await db.drop();
    }
  });

  it('MySQL: one statement per login', async (t) => {
    const skip = await serviceSkip('mysql');
    if (skip) return t.skip(skip);
    const db = await tempMysql();
    const mysql = await import('mysql2/promise');
    const { MySQLStore } = await import('../../src/drivers/mysql.js');
    const pool = mysql.createPool({ uri: db.url, connectionLimit: 4 });
    const counter = { n: 0 };
    const store = new MySQLStore({
      ...base,
      pool: counting(pool, ['query', 'execute', 'getConnection'], counter),
    });
    try {
      assert.equal(await roundTripsOfLogins(store, counter), LOGINS);
    } finally {
      await store.close();
      await pool.end();
      await db.drop();
    }
  });

  it('Redis: one command per login', async (t) => {
    const skip = await serviceSkip('redis');
    if (skip) return t.skip(skip);
    const keys = await tempRedisPrefix();
    const { Redis } = await import('ioredis');
    const { RedisStore } = await import('../../src/drivers/redis.js');
    const client = new Redis(REDIS_URL);
    const counter = { n: 0 };
    // Every command goes through sendCommand; a MULTI or pipeline is one round trip of its own.
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((...args: Parameters<typeof send>) => {
      counter.n++;
      return send(...args);
    }) as typeof client.sendCommand;
    const store = new RedisStore({
      ...base,
      keyPrefix: keys.prefix,
      client: counting(client, ['multi', 'pipeline'], counter),
    });
    try {
      assert.equal(await roundTripsOfLogins(store, counter), LOGINS);
    } finally {
      await store.close();
      await client.quit();
      await keys.drop();
    }
  });

  it('SQLite: one statement per login', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-rt-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const { default: Database } = await import('better-sqlite3');
    const { SQLiteStore } = await import('../../src/drivers/sqlite.js');
    const db = new Database(join(dir, 'store.db'));
    const counter = { n: 0 };
    const store = new SQLiteStore({ ...base, database: counting(db, ['prepare', 'exec'], counter) });
    try {
      assert.equal(await roundTripsOfLogins(store, counter), LOGINS);
    } finally {
      await store.close();
      db.close();
    }
  });

  it('without the cache, a login costs the association read too (the wrapper counts both)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-rt-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const { default: Database } = await import('better-sqlite3');
    const { SQLiteStore } = await import('../../src/drivers/sqlite.js');
    const db = new Database(join(dir, 'store.db'));
    const counter = { n: 0 };
    const store = new SQLiteStore({
      ...base,
      associationCache: false,
      database: counting(db, ['prepare', 'exec'], counter),
    });
    try {
      assert.equal(await roundTripsOfLogins(store, counter), 2 * LOGINS);
    } finally {
      await store.close();
      db.close();
    }
  });
});

describe('the association cache of a shared store', () => {
  it('finds an association another process stored after a miss, and forgets one it removed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-rt-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const { SQLiteStore } = await import('../../src/drivers/sqlite.js');
    const { Association } = await import('../../src/protocol/association.js');
    const path = join(dir, 'store.db');
    const a = new SQLiteStore({ ...base, path });
    const b = new SQLiteStore({ ...base, path });
    const assoc = new Association({
      handle: 'h1',
      secret: new Uint8Array(32).fill(7),
      issued: Math.floor(Date.now() / 1000),
      lifetime: 3600,
      assocType: 'HMAC-SHA256',
    });
    try {
      assert.equal(await a.getAssociation(OP_ENDPOINT, 'h1'), null);
      await b.storeAssociation(OP_ENDPOINT, assoc);
      // No negative caching: a's miss above does not hide b's new row.
      assert.equal((await a.getAssociation(OP_ENDPOINT, 'h1'))?.handle, 'h1');
      assert.equal(await a.removeAssociation(OP_ENDPOINT, 'h1'), true);
      assert.equal(await a.getAssociation(OP_ENDPOINT, 'h1'), null);
      // b still holds its copy (bounded by maxAgeSeconds), but cannot remove it twice: single use holds.
      assert.equal((await b.getAssociation(OP_ENDPOINT, 'h1'))?.handle, 'h1');
      assert.equal(await b.removeAssociation(OP_ENDPOINT, 'h1'), false);
      assert.equal(await b.getAssociation(OP_ENDPOINT, 'h1'), null);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
