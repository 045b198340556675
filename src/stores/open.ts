/**
 * A store from a URL, loading only the driver it needs:
 * `memory:`, `file:/path/dir`, `sqlite:./file.db`, `postgres://…`,
 * `mysql://…`, `redis://…`. Used by the CLI, the demo and the worker.
 */
import { OpenIDError } from '../protocol/errors.js';
import { redact } from './common.js';
import type { OpenIDStore } from './store.js';

/** Open the store a URL names (`memory:`, `file:/dir`, `sqlite:./file.db`, `postgres://…`, `mysql://…`, `redis://…`), importing only that store's driver. Throws `OpenIDError` (`store_url_invalid`) for an unknown scheme. */
export async function openStore(
  url: string,
  options: { keyPrefix?: string; tablePrefix?: string } = {},
): Promise<OpenIDStore> {
  const scheme = url.slice(0, url.indexOf(':') + 1).toLowerCase();
  const table = options.tablePrefix === undefined ? {} : { tablePrefix: options.tablePrefix };
  switch (scheme) {
    case 'memory:': {
      const { MemoryStore } = await import('./memory.js');
      return new MemoryStore();
    }
    case 'file:': {
      const { FileStore } = await import('./file.js');
      return new FileStore({ directory: url.startsWith('file://') ? new URL(url).pathname : url.slice(5) });
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
      });
    }
    default:
      throw new OpenIDError(
        'store_url_invalid',
        `unknown store URL ${redact(url)} (memory:, file:, sqlite:, postgres://, mysql://, redis://)`,
      );
  }
}
