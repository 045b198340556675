/**
 * N relying-party processes on one shared store (issue 25, item 6). The
 * parent makes one provider, one association and a pool of signed
 * assertions; each of N child processes runs its own RelyingParty on the
 * shared store and completes EVERY assertion of the pool (16 in flight), so
 * each assertion is presented N times. The figures: the aggregate complete()
 * rate of all processes together, and how many were accepted — exactly the
 * pool size, or a replay got through.
 *
 *   node --import tsx bench/simulate-rps.ts <postgres|mysql|redis|sqlite> [processes] [assertions]
 *
 * bench/suites/scale.ts runs it for `npm run bench`.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryStore, type OpenIDStore } from 'openid2';
import type { Association } from 'openid2/protocol';
import { REDIS_URL, tempMysql, tempPostgres, tempRedisPrefix } from '../test/helpers/services.js';
import { CLAIMED_ID, makeAssertions, makeProvider, makeRelyingParty, OP_ENDPOINT } from './world.js';

export type SimKind = 'postgres' | 'mysql' | 'redis' | 'sqlite';

interface Plan {
  kind: SimKind;
  /** Connection string, or the SQLite file. */
  target: string;
  keyPrefix?: string;
  state: string;
  association: string;
  assertions: string[];
  inFlight: number;
}

interface ChildReport {
  accepted: number;
  refused: number;
  errors: number;
  wallMs: number;
  cpuMs: number;
}

export interface SimulationResult {
  kind: SimKind;
  processes: number;
  assertions: number;
  /** complete() calls of all processes per second of wall time. */
  aggregatePerSec: number;
  /** Accepted logins: equal to `assertions` when no replay got through. */
  accepted: number;
  /** Accepted beyond one per assertion: must be 0. */
  replaysAccepted: number;
  errors: number;
  /** complete() calls per CPU-second of the RP processes together. */
  perCpuSec: number;
}

async function openShared(plan: Pick<Plan, 'kind' | 'target' | 'keyPrefix'>): Promise<OpenIDStore> {
  switch (plan.kind) {
    case 'postgres': {
      const { PostgresStore } = await import('openid2/postgres');
      return new PostgresStore({ connectionString: plan.target });
    }
    case 'mysql': {
      const { MySQLStore } = await import('openid2/mysql');
      return new MySQLStore({ uri: plan.target });
    }
    case 'redis': {
      const { RedisStore } = await import('openid2/redis');
      return new RedisStore({ url: plan.target, keyPrefix: plan.keyPrefix ?? 'openid2:' });
    }
    case 'sqlite': {
      const { SQLiteStore } = await import('openid2/sqlite');
      return new SQLiteStore({ path: plan.target });
    }
  }
}

/** One RP process: complete every assertion of the pool, `inFlight` at a time. */
async function child(planFile: string): Promise<void> {
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as Plan;
  const store = await openShared(plan);
  const rp = makeRelyingParty(makeProvider(), store);
  const report: ChildReport = { accepted: 0, refused: 0, errors: 0, wallMs: 0, cpuMs: 0 };
  // Each process walks the pool from its own offset, so the processes race for the same assertions.
  const offset = Math.floor(Math.random() * plan.assertions.length);
  let next = 0;
  // Loaded and connected: start when every process is (the parent says go).
  await store.getAssociation(OP_ENDPOINT);
  await new Promise<void>((resolve) => {
    process.once('message', () => resolve());
    process.send?.('ready');
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: plan.inFlight }, async () => {
      while (next < plan.assertions.length) {
        const url = plan.assertions[(offset + next++) % plan.assertions.length] as string;
        try {
          const r = await rp.complete(url, { state: plan.state });
          if (r.status === 'success') report.accepted++;
          else report.refused++;
        } catch {
          report.errors++;
        }
      }
    }),
  );
  report.wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  report.cpuMs = (cpu.user + cpu.system) / 1000;
  await store.close?.();
  process.send?.(report);
}

/** Run the simulation: N processes, one store of `kind`, `count` assertions. */
export async function simulate(kind: SimKind, processes: number, count: number): Promise<SimulationResult> {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-sim-'));
  let drop = async () => {};
  let target: string;
  let keyPrefix: string | undefined;
  if (kind === 'postgres') {
    const db = await tempPostgres();
    target = db.url;
    drop = db.drop;
  } else if (kind === 'mysql') {
    const db = await tempMysql();
    target = db.url;
    drop = db.drop;
  } else if (kind === 'redis') {
    const p = await tempRedisPrefix();
    target = REDIS_URL;
    keyPrefix = p.prefix;
    drop = p.drop;
  } else target = join(dir, 'store.db');
  try {
    const op = makeProvider();
    const first = new MemoryStore();
    const auth = await makeRelyingParty(op, first).begin(CLAIMED_ID);
    const association = (await first.getAssociation(OP_ENDPOINT)) as Association;
    const assertions = await makeAssertions(op, auth.redirectUrl, count);
    const shared = await openShared({ kind, target, ...(keyPrefix ? { keyPrefix } : {}) });
    await shared.storeAssociation(OP_ENDPOINT, association);
    await shared.close?.();
    const plan: Plan = {
      kind,
      target,
      ...(keyPrefix ? { keyPrefix } : {}),
      state: auth.state,
      association: association.serialize(),
      assertions,
      inFlight: 16,
    };
    const planFile = join(dir, 'plan.json');
    writeFileSync(planFile, JSON.stringify(plan));
    const self = fileURLToPath(import.meta.url);
    const children = Array.from({ length: processes }, () =>
      fork(self, ['--child', planFile], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }),
    );
    const ready = children.map((c) => new Promise<void>((resolve) => c.once('message', () => resolve())));
    const reports = children.map(
      (c) =>
        new Promise<ChildReport>((resolve, reject) => {
          let got: ChildReport | null = null;
          c.on('message', (m) => {
            if (typeof m === 'object') got = m as ChildReport;
          });
          c.on('exit', (code) => (got ? resolve(got) : reject(new Error(`RP process exited ${code}`))));
        }),
    );
    await Promise.all(ready);
    const t0 = performance.now();
    for (const c of children) c.send('go');
    const done = await Promise.all(reports);
    const wallMs = performance.now() - t0;
    const calls = processes * count;
    const accepted = done.reduce((n, r) => n + r.accepted, 0);
    const cpuMs = done.reduce((n, r) => n + r.cpuMs, 0);
    return {
      kind,
      processes,
      assertions: count,
      aggregatePerSec: (calls / wallMs) * 1000,
      accepted,
      replaysAccepted: Math.max(0, accepted - count),
      errors: done.reduce((n, r) => n + r.errors, 0),
      perCpuSec: (calls / cpuMs) * 1000,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await drop();
  }
}

if (process.argv[2] === '--child') {
  await child(process.argv[3] as string);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const kind = (process.argv[2] ?? 'redis') as SimKind;
  const r = await simulate(kind, Number(process.argv[3] ?? 4), Number(process.argv[4] ?? 2000));
  console.log(JSON.stringify(r, null, 2));
  if (r.replaysAccepted > 0 || r.accepted !== r.assertions) process.exitCode = 1;
}
