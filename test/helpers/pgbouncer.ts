/**
 * A private PgBouncer for a test, in transaction pooling mode, on a free
 * loopback port, in front of the shared PostgreSQL (one database: the
 * test's own). scripts/test-env.sh installs Debian's `pgbouncer`; `stop()`
 * kills it and removes its directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BINARY = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'].find((p) => existsSync(p));

export function pgbouncerSkip(): string | false {
  if (BINARY) return false;
  const reason = 'pgbouncer is not installed (run scripts/test-env.sh)';
  if (process.env['CI']) throw new Error(`CI needs ${reason}`);
  return reason;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface LocalPgBouncer {
  /** A connection string to `database` through the pooler. */
  readonly url: string;
  stop(): Promise<void>;
}

/** PgBouncer (pool_mode = transaction) for `database` on the PostgreSQL at `pgUrl`. */
export async function startPgBouncer(pgUrl: string, database: string): Promise<LocalPgBouncer> {
  if (!BINARY) throw new Error('pgbouncer is not installed');
  const pg = new URL(pgUrl);
  const user = decodeURIComponent(pg.username || 'postgres');
  const dir = mkdtempSync(join(tmpdir(), 'openid2-pgbouncer-'));
  // PgBouncer will not run as root: it drops to the postgres user, who must write here.
  chmodSync(dir, 0o777);
  const port = await freePort();
  writeFileSync(join(dir, 'userlist.txt'), `"${user}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${database} = host=${pg.hostname} port=${pg.port || 5432} dbname=${database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'default_pool_size = 4',
      'max_client_conn = 200',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  const args = [join(dir, 'pgbouncer.ini')];
  if (process.getuid?.() === 0) args.unshift('-u', 'postgres');
  const child: ChildProcess = spawn(BINARY, args, { stdio: 'ignore' });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; !(await answers(port)); i++) {
    if (i > 200 || child.exitCode !== null) {
      await stop();
      throw new Error('pgbouncer did not start');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = new URL(pgUrl);
  url.port = String(port);
  url.pathname = `/${database}`;
  return { url: url.toString(), stop };
}
