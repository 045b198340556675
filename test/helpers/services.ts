/**
 * Real database servers for tests: PostgreSQL, MariaDB/MySQL and Redis on
 * 127.0.0.1 (scripts/test-env.sh installs and starts them). Each test run
 * gets its own database or key prefix, dropped afterwards. A missing server
 * fails the run in CI and is a visible skip elsewhere.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

export const PG_URL = process.env['OPENID2_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const MYSQL_URL = process.env['OPENID2_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306/test';
export const REDIS_URL = process.env['OPENID2_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

function portOpen(url: string, fallbackPort: number): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = connect({ host: u.hostname, port: Number(u.port || fallbackPort) });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1500, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** `false` when the server answers; otherwise a skip reason (or a thrown error in CI). */
export async function serviceSkip(name: 'postgres' | 'mysql' | 'redis'): Promise<string | false> {
  const [url, port] =
    name === 'postgres' ? [PG_URL, 5432] : name === 'mysql' ? [MYSQL_URL, 3306] : [REDIS_URL, 6379];
  if (await portOpen(url, port)) return false;
  const reason = `${name} is not answering at ${new URL(url).host} (run scripts/test-env.sh)`;
  if (process.env['CI']) throw new Error(`CI needs ${reason}`);
  process.stderr.write(`SKIP: ${reason}\n`);
  return reason;
}

export const runId = (): string => `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** A fresh PostgreSQL database for this run: its URL and a drop function. */
export async function tempPostgres(): Promise<{ url: string; drop(): Promise<void> }> {
  const { default: pg } = await import('pg');
  const name = `openid2_${runId()}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A fresh MySQL/MariaDB database for this run. */
export async function tempMysql(): Promise<{ url: string; drop(): Promise<void> }> {
  const { default: mysql } = await import('mysql2/promise');
  const name = `openid2_${runId()}`;
  const admin = await mysql.createConnection({ uri: MYSQL_URL });
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(MYSQL_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const c = await mysql.createConnection({ uri: MYSQL_URL });
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}

/** A fresh Redis key prefix for this run, and a function deleting its keys. */
export async function tempRedisPrefix(): Promise<{ prefix: string; drop(): Promise<void> }> {
  const { Redis } = await import('ioredis');
  const prefix = `openid2:${runId()}:`;
  return {
    prefix,
    async drop() {
      const r = new Redis(REDIS_URL);
      let cursor = '0';
      do {
        const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length) await r.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await r.quit();
    },
  };
}
