/**
 * Every store the benchmarks measure, each opened fresh for this run (its
 * own SQLite file, PostgreSQL / MySQL database, Redis key prefix, from
 * test/helpers/services.ts) and dropped afterwards. A server that does not
 * answer gives a skip reason instead of a store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OpenIDStore } from 'openid2';
import { FileStore, MemoryStore } from 'openid2';
import {
  MYSQL_URL,
  PG_URL,
  REDIS_URL,
  serviceSkip,
  tempMysql,
  tempPostgres,
  tempRedisPrefix,
} from '../test/helpers/services.js';

export type StoreKind = 'memory' | 'file' | 'sqlite' | 'postgres' | 'mysql' | 'redis';

/** An open store and how to get rid of it and its data. */
export interface OpenedStore {
  kind: StoreKind;
  store: OpenIDStore;
  /** Where it lives, for the table (no credentials: the test URLs have none). */
  where: string;
  dispose(): Promise<void>;
}

/** Opens a fresh store of `kind`, or returns why it cannot (server not answering). */
export async function openBenchStore(kind: StoreKind): Promise<OpenedStore | { skip: string }> {
  switch (kind) {
    case 'memory':
      return { kind, store: new MemoryStore(), where: 'in-process', dispose: async () => {} };
    case 'file':
    case 'sqlite': {
      const dir = mkdtempSync(join(tmpdir(), 'openid2-bench-'));
      let store: OpenIDStore;
      if (kind === 'file') store = new FileStore({ directory: dir });
      else {
        const { SQLiteStore } = await import('openid2/sqlite');
        store = new SQLiteStore({ path: join(dir, 'bench.db') });
      }
      return {
        kind,
        store,
        where: `${tmpdir()} (file)`,
        async dispose() {
          await store.close?.();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    case 'postgres': {
      const skip = await serviceSkip('postgres');
      if (skip) return { skip };
      const db = await tempPostgres();
      const { PostgresStore } = await import('openid2/postgres');
      const store = new PostgresStore({ connectionString: db.url });
      return {
        kind,
        store,
        where: new URL(PG_URL).host,
        async dispose() {
          await store.close?.();
          await db.drop();
        },
      };
    }
    case 'mysql': {
      const skip = await serviceSkip('mysql');
      if (skip) return { skip };
      const db = await tempMysql();
      const { MySQLStore } = await import('openid2/mysql');
      const store = new MySQLStore({ uri: db.url });
      return {
        kind,
        store,
        where: new URL(MYSQL_URL).host,
        async dispose() {
          await store.close?.();
          await db.drop();
        },
      };
    }
    case 'redis': {
      const skip = await serviceSkip('redis');
      if (skip) return { skip };
      const prefix = await tempRedisPrefix();
      const { RedisStore } = await import('openid2/redis');
      const store = new RedisStore({ url: REDIS_URL, keyPrefix: prefix.prefix });
      return {
        kind,
        store,
        where: new URL(REDIS_URL).host,
        async dispose() {
          await store.close?.();
          await prefix.drop();
        },
      };
    }
  }
}
