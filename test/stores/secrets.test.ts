/**
 * Connection strings carry passwords; no store error may: not its message,
 * not its stack, not its `cause` (ioredis, for one, hangs the failed AUTH
 * command and its arguments on the error). Real drivers, real failures: a
 * closed port, an unknown role, a refused password, a malformed URL.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { inspect } from 'node:util';
import { MySQLStore } from '../../src/drivers/mysql.js';
import { openStore } from '../../src/drivers/open.js';
import { PostgresStore } from '../../src/drivers/postgres.js';
import { RedisStore } from '../../src/drivers/redis.js';
import { StoreError } from '../../src/protocol/errors.js';
import type { OpenIDStore } from '../../src/stores/store.js';
import { freePort } from '../helpers/faults.js';
import { serviceSkip } from '../helpers/services.js';

const PW = 'Pw-9f2c61e0-never-shown';

/** The error of one store operation, checked to be a StoreError that shows no password anywhere. */
async function assertNoPassword(make: () => OpenIDStore): Promise<StoreError> {
  const store = make();
  let error: unknown = null;
  try {
    await store.useNonce('https://op.example/', Math.floor(Date.now() / 1000), 'salt');
  } catch (e) {
    error = e;
  } finally {
    await store.close?.().catch(() => {});
  }
  assert.ok(error instanceof StoreError, `expected a StoreError, got ${String(error)}`);
  const everything = [
    inspect(error, { depth: 20, showHidden: true }),
    error.stack ?? '',
    JSON.stringify(error),
  ];
  assert.ok(!everything.join('\n').includes(PW), `password shown:\n${everything.join('\n')}`);
  return error;
}

describe('connection strings with passwords never appear in errors', () => {
  test('PostgreSQL: closed port, malformed URL', async () => {
    const port = await freePort();
    const e = await assertNoPassword(
      () => new PostgresStore({ connectionString: `postgres://app:${PW}@127.0.0.1:${port}/db` }),
    );
    assert.equal(e.code, 'store_unavailable');
    await assertNoPassword(() => new PostgresStore({ connectionString: `postgres://app:${PW}@[::1/db` }));
  });

  test('PostgreSQL: an unknown role', async (t) => {
    const skip = await serviceSkip('postgres');
    if (skip) return t.skip(skip);
    await assertNoPassword(
      () =>
        new PostgresStore({ connectionString: `postgres://openid2_nobody:${PW}@127.0.0.1:5432/postgres` }),
    );
  });

  test('MySQL: a refused password, a closed port', async (t) => {
    const port = await freePort();
    await assertNoPassword(() => new MySQLStore({ uri: `mysql://app:${PW}@127.0.0.1:${port}/db` }));
    const skip = await serviceSkip('mysql');
    if (skip) return t.skip(skip);
    const e = await assertNoPassword(() => new MySQLStore({ uri: `mysql://root:${PW}@127.0.0.1:3306/test` }));
    assert.match(e.message, /Access denied/);
  });

  test('Redis: a refused user and password (the AUTH command rides on the driver error)', async (t) => {
    const skip = await serviceSkip('redis');
    if (skip) return t.skip(skip);
    const e = await assertNoPassword(
      () => new RedisStore({ url: `redis://openid2nobody:${PW}@127.0.0.1:6379` }),
    );
    assert.match(e.message, /WRONGPASS|AUTH/i);
    assert.ok(e.cause instanceof Error, 'the cause is kept, redacted');
  });

  test('openStore: an unknown scheme', async () => {
    await assert.rejects(openStore(`bogus://app:${PW}@db.example/`), (e: unknown) => {
      assert.ok(!inspect(e, { depth: 20 }).includes(PW));
      return true;
    });
  });
});
