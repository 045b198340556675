/**
 * Database faults for store tests, without touching the shared servers on
 * 5432/3306/6379 that other test runs use:
 * - a private PostgreSQL cluster (initdb + pg_ctl on a free loopback port),
 *   stopped with `-m immediate` (a crash: no shutdown checkpoint) and started again;
 * - a private redis-server with an fsync-always append-only file, killed
 *   with SIGKILL and started again;
 * - a TCP proxy on 127.0.0.1 in front of a real server, whose cut drops
 *   every open connection and refuses new ones until restored.
 * Everything listens on 127.0.0.1 only and is removed by `close()`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A database whose availability a test controls. */
export interface FaultyServer {
  /** Connection URL for the store under test. */
  url: string;
  /** Make the server unreachable; connections open now are dropped. */
  down(): Promise<void>;
  /** Bring it back on the same address. */
  up(): Promise<void>;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], timeout = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Resolve once something accepts TCP connections on the port (bounded). */
export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listening on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

const PG_BIN = '/usr/lib/postgresql/15/bin';

/** Why a private PostgreSQL cluster cannot be made here, or false. */
export function privatePostgresSkip(): string | false {
  if (!existsSync(join(PG_BIN, 'initdb'))) return `no PostgreSQL server binaries in ${PG_BIN}`;
  if (process.getuid?.() === 0 && !existsSync('/usr/sbin/runuser'))
    return 'running as root without runuser to become postgres';
  return false;
}

/** A throwaway PostgreSQL cluster on a free loopback port (trust auth, user postgres). */
export async function privatePostgres(): Promise<FaultyServer> {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-pgcluster-'));
  const asRoot = process.getuid?.() === 0;
  // The server refuses to run as root: run the tools as postgres then.
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).trim());
    chownSync(dir, uid, gid);
  }
  const tool = (name: string, args: string[]) =>
    asRoot
      ? run('/usr/sbin/runuser', ['-u', 'postgres', '--', join(PG_BIN, name), ...args])
      : run(join(PG_BIN, name), args);
  const data = join(dir, 'data');
  const port = await freePort();
  await tool('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-N', '-E', 'UTF8']);
  const opts = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c fsync=on`;
  const start = () =>
    tool('pg_ctl', ['start', '-D', data, '-w', '-t', '30', '-l', join(dir, 'log'), '-o', opts]);
  const stop = () => tool('pg_ctl', ['stop', '-D', data, '-w', '-m', 'immediate']);
  await start();
  let running = true;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async down() {
      await stop();
      running = false;
    },
    async up() {
      await start();
      running = true;
    },
    async close() {
      if (running) await stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Why a private redis-server cannot be started here, or false. */
export function privateRedisSkip(): string | false {
  return existsSync('/usr/bin/redis-server') ? false : 'no /usr/bin/redis-server';
}

/**
 * A private redis-server that persists every write before answering
 * (`appendonly yes`, `appendfsync always`): what a store that must not forget
 * a nonce across a crash needs.
 */
export async function privateRedis(): Promise<FaultyServer> {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-redis-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(
      '/usr/bin/redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--protected-mode',
        'yes',
      ],
      { stdio: 'ignore' },
    );
    await waitForPort(port);
  };
  const kill = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL'); // a crash: whatever was acknowledged must be in the AOF already
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    down: kill,
    up: start,
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A TCP proxy on 127.0.0.1 in front of `target`, for servers that must not be restarted. */
export async function tcpProxy(target: { host: string; port: number }): Promise<{
  port: number;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy(); // like a server that is not there: the driver sees the connection drop
      return;
    }
    const upstream = connect(target);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const cut = async () => {
    open = false;
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  return {
    port,
    down: cut,
    async up() {
      open = true;
    },
    async close() {
      await cut();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A proxied real server as a FaultyServer: `url` is the server's URL with the proxy's port. */
export async function proxiedServer(url: string, defaultPort: number): Promise<FaultyServer> {
  const u = new URL(url);
  const proxy = await tcpProxy({ host: u.hostname, port: Number(u.port || defaultPort) });
  u.hostname = '127.0.0.1';
  u.port = String(proxy.port);
  return { url: u.toString(), down: proxy.down, up: proxy.up, close: proxy.close };
}
