/**
 * begin() latency with associations 'inline' vs 'background' against this
 * package's Provider on 127.0.0.1 whose associate answer takes +300 ms
 * (DESIGN.md §5). Each login has a fresh relying party and a fresh store, so
 * 'inline' really negotiates every time and 'background' really queues
 * every time; both include discovery of the identifier over HTTP. The two
 * modes alternate login by login in the same run. `npm run bench background`
 * (BENCH_LOGINS sets the logins per mode, default 60). No test asserts these.
 */
import { performance } from 'node:perf_hooks';
import { MemoryQueue, MemoryStore, RelyingParty } from 'openid2';
import { startProviderServer } from '../../test/helpers/op-server.js';
import type { BenchResult } from '../harness.js';

const DELAY_MS = 300;

function summary(
  name: string,
  ms: number[],
  cpuMs: number,
  notes: Record<string, number | string>,
): BenchResult {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  const total = ms.reduce((s, x) => s + x, 0);
  return {
    group: 'background',
    name,
    iterations: ms.length,
    medianMs: at(50),
    p99Ms: at(99),
    opsPerSec: (ms.length / total) * 1000,
    opsPerCpuSec: cpuMs > 0 ? (ms.length / cpuMs) * 1000 : 0,
    notes,
  };
}

export async function run(): Promise<BenchResult[]> {
  const logins = Math.max(50, Number(process.env['BENCH_LOGINS'] ?? 60));
  const op = await startProviderServer();
  op.associateDelayMs = DELAY_MS;
  const times = { inline: [] as number[], background: [] as number[] };
  /** This process's CPU time per mode, in ms (the provider runs in-process too). */
  const cpu = { inline: 0, background: 0 };
  let usedAssociation = { inline: 0, background: 0 };
  try {
    const once = async (mode: 'inline' | 'background') => {
      const rp = new RelyingParty({
        realm: 'http://rp.example/',
        returnTo: 'http://rp.example/return',
        secret: 'b'.repeat(40),
        store: new MemoryStore(),
        associations: mode,
        ...(mode === 'background' ? { queue: new MemoryQueue() } : {}),
        fetch: { allowPrivateNetworks: true },
      });
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const auth = await rp.begin(`${op.base}/id/alice`);
      times[mode].push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu[mode] += (c.user + c.system) / 1000;
      if (auth.usesAssociation) usedAssociation[mode]++;
    };
    // Warm-up (JIT, sockets), not counted.
    await once('inline');
    await once('background');
    times.inline.length = 0;
    times.background.length = 0;
    usedAssociation = { inline: 0, background: 0 };
    cpu.inline = 0;
    cpu.background = 0;
    for (let i = 0; i < logins; i++) {
      await once('inline');
      await once('background');
    }
  } finally {
    await op.close();
  }
  const med = (m: 'inline' | 'background') => summary(m, times[m], cpu[m], {}).medianMs;
  return [
    summary("begin() 'inline', associate +300 ms", times.inline, cpu.inline, {
      associateDelayMs: DELAY_MS,
      usedAssociation: usedAssociation.inline,
    }),
    summary("begin() 'background', associate +300 ms", times.background, cpu.background, {
      associateDelayMs: DELAY_MS,
      usedAssociation: usedAssociation.background,
      medianSavedMs: med('inline') - med('background'),
    }),
  ];
}
