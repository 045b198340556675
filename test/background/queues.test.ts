/** Every queue runs the same contract suite; the shared ones against real servers. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileQueue } from '../../src/background/file-queue.js';
import { MemoryQueue } from '../../src/background/memory-queue.js';
import { MySQLQueue } from '../../src/drivers/mysql.js';
import { PostgresQueue } from '../../src/drivers/postgres.js';
import { RedisQueue } from '../../src/drivers/redis.js';
import { SQLiteQueue } from '../../src/drivers/sqlite.js';
import { queueConformance } from '../conformance/queue.js';
import { REDIS_URL, serviceSkip, tempMysql, tempPostgres, tempRedisPrefix } from '../helpers/services.js';

queueConformance('memory', async () => {
  const queue = new MemoryQueue();
  // One process's memory: a second consumer is the same queue with a short lease.
  return { queue, reopen: async (leaseMs) => (leaseMs >= 60_000 ? queue : new MemoryQueue({ leaseMs })) };
});

queueConformance('file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-fq-'));
  const directory = join(dir, 'queue');
  return {
    queue: new FileQueue({ directory }),
    reopen: async (leaseMs) => new FileQueue({ directory, leaseMs }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

queueConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-sq-'));
  const path = join(dir, 'store.db');
  const queue = new SQLiteQueue({ path });
  await queue.migrate();
  if ((statSync(path).mode & 0o777) !== 0o600) throw new Error('the SQLite file must be 0600');
  return {
    queue,
    reopen: async (leaseMs) => new SQLiteQueue({ path, leaseMs }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

queueConformance(
  'postgres',
  async () => {
    const db = await tempPostgres();
    return {
      queue: new PostgresQueue({ connectionString: db.url }),
      reopen: async (leaseMs) => new PostgresQueue({ connectionString: db.url, leaseMs }),
      cleanup: db.drop,
    };
  },
  { skip: () => serviceSkip('postgres') },
);

queueConformance(
  'mysql',
  async () => {
    const db = await tempMysql();
    return {
      queue: new MySQLQueue({ uri: db.url }),
      reopen: async (leaseMs) => new MySQLQueue({ uri: db.url, leaseMs }),
      cleanup: db.drop,
    };
  },
  { skip: () => serviceSkip('mysql') },
);

queueConformance(
  'redis',
  async () => {
    const p = await tempRedisPrefix();
    return {
      queue: new RedisQueue({ url: REDIS_URL, keyPrefix: p.prefix }),
      reopen: async (leaseMs) => new RedisQueue({ url: REDIS_URL, keyPrefix: p.prefix, leaseMs }),
      cleanup: p.drop,
    };
  },
  { skip: () => serviceSkip('redis') },
);
