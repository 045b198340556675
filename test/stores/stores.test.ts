/** Every store runs the same contract suite; the shared ones against real servers. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MySQLStore } from '../../src/drivers/mysql.js';
import { PostgresStore } from '../../src/drivers/postgres.js';
import { RedisStore } from '../../src/drivers/redis.js';
import { SQLiteStore } from '../../src/drivers/sqlite.js';
import { FileStore } from '../../src/stores/file.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { storeConformance } from '../conformance/store.js';
import { REDIS_URL, serviceSkip, tempMysql, tempPostgres, tempRedisPrefix } from '../helpers/services.js';

storeConformance('memory', async (clock) => ({ store: new MemoryStore({ now: clock.now }) }));

storeConformance('file', async (clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-file-'));
  const store = new FileStore({ directory: join(dir, 'store'), now: clock.now });
  return {
    store,
    url: `file:${join(dir, 'store')}`,
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

storeConformance('sqlite', async (clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-sqlite-'));
  const path = join(dir, 'store.db');
  const store = new SQLiteStore({ path, now: clock.now });
  await store.migrate();
  if ((statSync(path).mode & 0o777) !== 0o600) throw new Error('the SQLite file must be 0600');
  return { store, url: `sqlite:${path}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

storeConformance(
  'postgres',
  async (clock) => {
    const db = await tempPostgres();
    return {
      store: new PostgresStore({ connectionString: db.url, now: clock.now }),
      url: db.url,
      cleanup: db.drop,
    };
  },
  { skip: () => serviceSkip('postgres') },
);

storeConformance(
  'mysql',
  async (clock) => {
    const db = await tempMysql();
    return { store: new MySQLStore({ uri: db.url, now: clock.now }), url: db.url, cleanup: db.drop };
  },
  { skip: () => serviceSkip('mysql') },
);

storeConformance(
  'redis',
  async (clock) => {
    const p = await tempRedisPrefix();
    process.env['OPENID2_KEY_PREFIX'] = p.prefix; // for the multi-process workers
    return {
      store: new RedisStore({ url: REDIS_URL, keyPrefix: p.prefix, now: clock.now }),
      url: REDIS_URL,
      cleanup: p.drop,
    };
  },
  { skip: () => serviceSkip('redis') },
);
