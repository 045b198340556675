/**
 * A store from a URL, loading only the driver it needs:
 * `memory:`, `file:/path/dir`, `sqlite:./file.db`, `postgres://…`,
 * `mysql://…`, `redis://…`. Used by the CLI, the demo and the worker.
 */
import type { AssociationQueue } from '../background/queue.js';
import { OpenIDError } from '../protocol/errors.js';
import { redact } from '../stores/common.js';
import type { OpenIDStore } from '../stores/store.js';

/**
 * Open the store a URL names (`memory:`, `file:/dir`, `sqlite:./file.db`, `postgres://…`,
 * `mysql://…`, `redis://…`), importing only that store's driver. Throws `OpenIDError`
 * (`store_url_invalid`) for an unknown scheme, `StoreError` (`driver_missing`) when the
 * store's driver package is not installed.
 */
export async function openStore(
  url: string,
  options: { keyPrefix?: string; tablePrefix?: string; timeoutMs?: number } = {},
): Promise<OpenIDStore> {
  const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase();
  const table = {
    ...(options.tablePrefix === undefined ? {} : { tablePrefix: options.tablePrefix }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  switch (scheme) {
    case 'memory:': {
      const { MemoryStore } = await import('../stores/memory.js');
      return new MemoryStore();
    }
    case 'file:': {
      const { FileStore } = await import('../stores/file.js');
      return new FileStore({
        directory: url.startsWith('file://') ? new URL(url).pathname : url.slice(5),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
    }
    case 'sqlite:': {
      const { SQLiteStore } = await import('./sqlite.js');
      return new SQLiteStore({ path: url.slice(7) || './openid2.db', ...table });
    }
    case 'postgres:':
    case 'postgresql:': {
      const { PostgresStore } = await import('./postgres.js');
      return new PostgresStore({ connectionString: url, ...table });
    }
    case 'mysql:':
    case 'mariadb:': {
      const { MySQLStore } = await import('./mysql.js');
      return new MySQLStore({ uri: url.replace(/^mariadb:/, 'mysql:'), ...table });
    }
    case 'redis:':
    case 'rediss:': {
      const { RedisStore } = await import('./redis.js');
      return new RedisStore({
        url,
        ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
    }
    default:
      throw new OpenIDError(
        'store_url_invalid',
        `unknown store URL ${redact(url)} (memory:, file:, sqlite:, postgres://, mysql://, redis://)`,
      );
  }
}

/**
 * An association queue from a URL, as `openStore`: `memory:` (this process
 * only), `file:/path/dir`, `sqlite:./file.db`, `postgres://…`, `mysql://…`,
 * `redis://…`. The SQL and Redis queues live beside the store of the same
 * URL (same database or key prefix). Used by `openid2 worker`.
 *
 * @example
 * const queue = await openQueue('postgres://app@db/app');
 */
export async function openQueue(
  url: string,
  options: { keyPrefix?: string; tablePrefix?: string; leaseMs?: number } = {},
): Promise<AssociationQueue> {
  const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase();
  const table = options.tablePrefix === undefined ? {} : { tablePrefix: options.tablePrefix };
  const lease = options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs };
  switch (scheme) {
    case 'memory:': {
      const { MemoryQueue } = await import('../background/memory-queue.js');
      return new MemoryQueue(lease);
    }
    case 'file:': {
      const { FileQueue } = await import('../background/file-queue.js');
      const directory = url.startsWith('file://') ? new URL(url).pathname : url.slice(5);
      return new FileQueue({ directory, ...lease });
    }
    case 'sqlite:': {
      const { SQLiteQueue } = await import('./sqlite.js');
      return new SQLiteQueue({ path: url.slice(7) || './openid2.db', ...table, ...lease });
    }
    case 'postgres:':
    case 'postgresql:': {
      const { PostgresQueue } = await import('./postgres.js');
      return new PostgresQueue({ connectionString: url, ...table, ...lease });
    }
    case 'mysql:':
    case 'mariadb:': {
      const { MySQLQueue } = await import('./mysql.js');
      return new MySQLQueue({ uri: url.replace(/^mariadb:/, 'mysql:'), ...table, ...lease });
    }
    case 'redis:':
    case 'rediss:': {
      const { RedisQueue } = await import('../background/redis-queue.js');
      return new RedisQueue({
        url,
        ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }),
        ...lease,
      });
    }
    default:
      throw new OpenIDError(
        'queue_url_invalid',
        `unknown queue URL ${redact(url)} (memory:, file:, sqlite:, postgres://, mysql://, redis://)`,
      );
  }
}
