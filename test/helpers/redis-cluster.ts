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
import { after, before } from 'node:test';
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
  /**
   * Ports of the master serving `key`'s slot (one not marked failing) and of its replica. Replicas
   * show in `CLUSTER NODES` a moment after the cluster says ok: waits for them, or throws after `ms`.
   */
  masterAndReplicaOf(key: string, ms?: number): Promise<{ master: number; replica: number }>;
  stop(): Promise<void>;
}

/**
 * A private cluster for the calling `describe`: its `before` hook starts one
 * (unless redis-server is missing), its `after` hook stops it. The getter
 * returns the running cluster, or the reason to skip.
 */
export function clusterForSuite(): () => LocalCluster | string {
  let cluster: LocalCluster | null = null;
  let skip: string | false = false;
  before(async () => {
    skip = await clusterSkip();
    if (!skip) cluster = await startLocalCluster();
  });
  after(async () => {
    await cluster?.stop();
  });
  return () => cluster ?? (skip || 'no cluster');
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

/** Port of the master serving `slot` and of its replica, from `CLUSTER NODES` text; null while either is missing. */
function masterAndReplica(nodes: string, slot: number): { master: number; replica: number } | null {
  const lines = nodes.split('\n').map((l) => l.trim().split(' '));
  const portOf = (addr: string) => Number(addr.split('@')[0]?.split(':')[1]);
  const master = lines.find(
    (f) =>
      (f[2] ?? '').includes('master') &&
      !(f[2] ?? '').includes('fail') &&
      f.slice(8).some((range) => {
        const [lo, hi] = range.split('-').map(Number);
        return lo !== undefined && slot >= lo && slot <= (hi ?? lo);
      }),
  );
  const replica = master && lines.find((f) => (f[2] ?? '').includes('slave') && f[3] === master[0]);
  if (!master || !replica) return null;
  return { master: portOf(master[1] as string), replica: portOf(replica[1] as string) };
}

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
      async masterAndReplicaOf(key, ms = 30_000) {
        const first = ports[0] as number;
        const slot = Number(await cli(first, 'CLUSTER', 'KEYSLOT', key));
        const until = Date.now() + ms;
        for (;;) {
          const roles = masterAndReplica(await cli(first, 'CLUSTER', 'NODES').catch(() => ''), slot);
          if (roles) return roles;
          if (Date.now() > until)
            throw new Error(`no master with a replica for slot ${slot} within ${ms} ms`);
          await sleep(100);
        }
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
