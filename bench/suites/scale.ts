/**
 * Scale-out figures (issue 25): complete() with a held association on the
 * shared stores with 1 and 16 logins in flight; the memory store's bytes per
 * stored nonce over 1M nonces; and N relying-party processes on one store
 * (bench/simulate-rps.ts), with the aggregate rate and the replays accepted (0).
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MemoryStore } from 'openid2';
import type { Association } from 'openid2/protocol';
import { type BenchResult, bench, isQuick, note, skipped } from '../harness.js';
import { type SimKind, simulate } from '../simulate-rps.js';
import { openBenchStore, type StoreKind } from '../store-kinds.js';
import { CLAIMED_ID, makeAssertions, makeProvider, makeRelyingParty, OP_ENDPOINT } from '../world.js';

const WARMUP = 50;

async function concurrency(): Promise<BenchResult[]> {
  const quick = isQuick();
  const op = makeProvider();
  const first = new MemoryStore();
  const auth = await makeRelyingParty(op, first).begin(CLAIMED_ID);
  const association = (await first.getAssociation(OP_ENDPOINT)) as Association;
  const pool = await makeAssertions(op, auth.redirectUrl, quick ? 1_500 : 6_000);
  const out: BenchResult[] = [];
  for (const kind of ['postgres', 'mysql', 'redis'] as StoreKind[]) {
    for (const inFlight of [1, 16]) {
      const name = `${kind}, association, ${inFlight} in flight`;
      const opened = await openBenchStore(kind);
      if ('skip' in opened) {
        out.push(skipped('rp complete scale', name, opened.skip));
        continue;
      }
      try {
        await opened.store.storeAssociation(OP_ENDPOINT, association);
        const rp = makeRelyingParty(op, opened.store);
        let i = 0;
        let failed = 0;
        const r = await bench(
          'rp complete scale',
          name,
          async () => {
            // The index is taken before the await: with logins in flight, `i` moves on meanwhile.
            const n = i++;
            const res = await rp.complete(pool[n % pool.length] as string, { state: auth.state });
            // Past the pool's end the same assertions come back: those must be refused.
            if ((res.status === 'success') !== n < pool.length) {
              failed++;
              if (failed === 1) console.error(`  ${name}: login ${n}: ${JSON.stringify(res).slice(0, 300)}`);
            }
          },
          { warmup: WARMUP, maxIterations: pool.length - WARMUP, concurrency: inFlight },
        );
        if (failed > 0) throw new Error(`${name}: ${failed} wrong outcomes`);
        const target = kind === 'postgres' ? '>=4,000/s at 16' : kind === 'redis' ? '>=10,000/s at 16' : '';
        out.push(target && inFlight === 16 ? note(r, { target }) : r);
      } finally {
        await opened.dispose();
      }
    }
  }
  return out;
}

/** Bytes of heap per stored nonce in the MemoryStore, over 1M nonces (200k when quick). */
async function memoryPerNonce(): Promise<BenchResult> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const count = isQuick() ? 200_000 : 1_000_000;
  const store = new MemoryStore({ maxNonces: count });
  const now = Math.floor(Date.now() / 1000);
  // Salts as providers send them (a counter or random suffix after the timestamp).
  const salts = Array.from({ length: count }, (_, i) => `x${(i * 2654435761).toString(36)}`);
  gc();
  const m0 = process.memoryUsage();
  // The JS heap plus memory outside it (typed arrays live there).
  const before = m0.heapUsed + m0.external;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const s of salts) await store.useNonce(OP_ENDPOINT, now, s);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  gc();
  const m1 = process.memoryUsage();
  const after = m1.heapUsed + m1.external;
  const bytes = (after - before) / count;
  // Used after the measurement, so the store is live through it (and a replay is still refused).
  if (await store.useNonce(OP_ENDPOINT, now, salts[0] as string))
    throw new Error('a stored nonce was accepted again');
  return {
    group: 'memory store footprint',
    name: `${count.toLocaleString('en-US')} nonces stored`,
    iterations: count,
    medianMs: ms / count,
    p99Ms: Number.NaN,
    opsPerSec: (count / ms) * 1000,
    opsPerCpuSec: (count / ((cpu.user + cpu.system) / 1000)) * 1000,
    notes: {
      bytesPerNonce: Math.round(bytes),
      rssPerNonce: Math.round((m1.rss - m0.rss) / count),
      target: '<=100 B/nonce',
    },
  };
}

async function processes(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const count = isQuick() ? 500 : 2_000;
  const n = 4;
  for (const kind of ['postgres', 'redis', 'mysql'] as SimKind[]) {
    const name = `${kind}, ${n} RP processes x ${count} assertions each, 16 in flight`;
    const opened = await openBenchStore(kind);
    if ('skip' in opened) {
      out.push(skipped('rp processes on one store', name, opened.skip));
      continue;
    }
    await opened.dispose();
    const r = await simulate(kind, n, count);
    if (r.replaysAccepted > 0 || r.accepted !== count) throw new Error(`${name}: ${JSON.stringify(r)}`);
    out.push({
      group: 'rp processes on one store',
      name,
      iterations: n * count,
      medianMs: Number.NaN,
      p99Ms: Number.NaN,
      opsPerSec: r.aggregatePerSec,
      opsPerCpuSec: r.perCpuSec,
      concurrency: n * 16,
      notes: { accepted: r.accepted, replaysAccepted: r.replaysAccepted, errors: r.errors },
    });
  }
  return out;
}

export async function run(): Promise<BenchResult[]> {
  return [await memoryPerNonce(), ...(await concurrency()), ...(await processes())];
}
