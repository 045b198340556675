/**
 * A private Redis Cluster for a test: three masters and three replicas
 * (`redis-server --cluster-enabled yes` on free loopback ports, in a temp
 * directory), joined with `redis-cli --cluster create`. The test owns it, so
 * it may fail a master over; `stop()` kills every server and removes the
 * directory. Never touches the shared Redis on 6379.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LocalCluster {
  readonly ports: readonly number[];
  /** `redis-cli -p port …`, trimmed output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** Until every node says `cluster_state:ok` and knows `masters` masters, or throws after `ms`. */
  waitHealthy(ms?: number): Promise<void>;
  /** SIGKILL the server on `port` (a crash: no shutdown, no last replication) and wait for it to exit. */
  crash(port: number): Promise<void>;
  /** Start the server on `port` again with its node file: it rejoins, as a replica of whoever took its slots. */
  restart(port: number): Promise<void>;
  stop(): Promise<void>;
}

/** Whether `redis-server` and `redis-cli` are on PATH: false is a reason to skip. */
export async function clusterSkip(): Promise<string | false> {
  try {
    await run('redis-server', ['--version']);
    await run('redis-cli', ['--version']);
    return false;
  } catch {
    const reason = 'redis-server / redis-cli not installed (run scripts/test-env.sh)';
    if (process.env['CI']) throw new Error(`CI needs ${reason}`);
    return reason;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** `count` ports p whose cluster bus port p + 10000 is free too. */
async function freePorts(count: number): Promise<number[]> {
  const out: number[] = [];
  for (let tries = 0; out.length < count && tries < 500; tries++) {
    const p = 20000 + Math.floor(Math.random() * 10000);
    if (out.includes(p)) continue;
    if ((await portFree(p)) && (await portFree(p + 10000))) out.push(p);
  }
  if (out.length < count) throw new Error('no free ports for a Redis Cluster');
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startLocalCluster(): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-cluster-'));
  const ports = await freePorts(6);
  const children = new Map<number, ChildProcess>();
  const cli = async (port: number, ...args: string[]) =>
    (
      await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 60_000 })
    ).stdout.trim();
  const stop = async () => {
    for (const c of children.values()) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await sleep(100);
    rmSync(dir, { recursive: true, force: true });
  };
  const startServer = (port: number) => {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(dir, `nodes-${port}.conf`),
        // Small, so a crashed master is failed over within seconds.
        '--cluster-node-timeout',
        '2000',
        '--dir',
        dir,
        '--dbfilename',
        `dump-${port}.rdb`,
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'no',
      ],
      { stdio: 'ignore' },
    );
    children.set(port, child);
  };
  const answers = async (port: number) => {
    for (let i = 0; ; i++) {
      if ((await cli(port, 'PING').catch(() => '')) === 'PONG') return;
      if (i > 200) throw new Error(`redis-server on ${port} did not start`);
      await sleep(50);
    }
  };
  try {
    for (const port of ports) startServer(port);
    for (const port of ports) await answers(port);
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
      ],
      { timeout: 120_000 },
    );
    const cluster: LocalCluster = {
      ports,
      cli,
      async waitHealthy(ms = 60_000) {
        const until = Date.now() + ms;
        for (;;) {
          let ok = true;
          for (const port of ports) {
            const info = await cli(port, 'CLUSTER', 'INFO').catch(() => '');
            if (!info.includes('cluster_state:ok')) ok = false;
          }
          const roles = await Promise.all(ports.map((p) => cli(p, 'ROLE').catch(() => '')));
          if (ok && roles.filter((r) => r.startsWith('master')).length === 3) return;
          if (Date.now() > until) throw new Error('the local Redis Cluster did not become healthy');
          await sleep(200);
        }
      },
      async crash(port) {
        const child = children.get(port);
        if (!child || child.exitCode !== null || child.signalCode !== null)
          throw new Error(`no server running on ${port}`);
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      },
      async restart(port) {
        startServer(port);
        await answers(port);
      },
      stop,
    };
    await cluster.waitHealthy();
    return cluster;
  } catch (e) {
    await stop();
    throw e;
  }
}
