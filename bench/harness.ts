/**
 * A small benchmark harness: runs an async or sync operation for a time
 * budget after a warm-up, records each iteration's duration, and reports
 * median, p99 and operations per second. No test asserts these numbers.
 */
import { type PerformanceEntry, PerformanceObserver, performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface BenchResult {
  name: string;
  group: string;
  iterations: number;
  medianMs: number;
  p99Ms: number;
  opsPerSec: number;
  /**
   * Operations per second of this process's CPU time (user + system): the
   * per-core figure, meaningful even when other work shares the machine.
   * For I/O-bound rows it leaves out the database server's own CPU.
   */
  opsPerCpuSec: number;
  /** Operations in flight at once (1: one after another). */
  concurrency?: number;
  /**
   * Share of the measured wall-clock time the garbage collector held the
   * main thread (pauses reported by `PerformanceObserver` 'gc' entries), in
   * percent: what separates `ops/s` from `1/median` when it is not other work.
   */
  gcPercent?: number;
  /** Extra figures a benchmark reports (ratios, sizes). */
  notes?: Record<string, number | string>;
}

export interface BenchOptions {
  /** Time to measure, after warm-up. Default 1500 ms, 400 ms when quick (env BENCH_MS overrides). */
  timeMs?: number;
  /** Warm-up iterations. Default 50. */
  warmup?: number;
  /** Hard cap on iterations. Default 1,000,000. */
  maxIterations?: number;
  /** Operations run concurrently per iteration batch (for I/O-bound work). Default 1. */
  concurrency?: number;
}

/** Whether the run is a quick one (`npm run bench -- --quick`, or env BENCH_QUICK=1): shorter runs, smaller seeds. */
export function isQuick(): boolean {
  return process.env['BENCH_QUICK'] === '1';
}

/** A row for a benchmark that could not run (a server not answering), saying why. */
export function skipped(group: string, name: string, reason: string): BenchResult {
  return {
    group,
    name,
    iterations: 0,
    medianMs: Number.NaN,
    p99Ms: Number.NaN,
    opsPerSec: Number.NaN,
    opsPerCpuSec: Number.NaN,
    notes: { skipped: reason },
  };
}

/** `result` with `notes` added. */
export function note(result: BenchResult, notes: Record<string, number | string>): BenchResult {
  return { ...result, notes: { ...result.notes, ...notes } };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
}

let fullGc: (() => void) | undefined;

/**
 * A full garbage collection now (V8's `gc`, reached without `--expose-gc`).
 * bench() runs one before each measured run, so the garbage of a row's setup
 * (signing a pool of 40,000 assertions, seeding 100,000 nonces) is not
 * collected inside the next row's measurement: the `rp` suite's first
 * memory row spent 27% of its time in GC pauses that were not complete()'s
 * (issue 25; docs/scaling.md).
 */
export function settle(): void {
  if (fullGc === undefined) {
    setFlagsFromString('--expose-gc');
    fullGc = runInNewContext('gc') as () => void;
  }
  fullGc();
}

/** Measure `op`. With concurrency > 1, `concurrency` calls run at once and throughput counts them all. */
export async function bench(
  group: string,
  name: string,
  op: () => unknown | Promise<unknown>,
  options: BenchOptions = {},
): Promise<BenchResult> {
  const timeMs = options.timeMs ?? Number(process.env['BENCH_MS'] ?? (isQuick() ? 400 : 1500));
  const warmup = options.warmup ?? 50;
  const max = options.maxIterations ?? 1_000_000;
  const conc = Math.max(1, options.concurrency ?? 1);
  for (let i = 0; i < warmup; i++) await op();
  settle();
  const durations: number[] = [];
  let gcMs = 0;
  const gcWatch = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as PerformanceEntry[]) gcMs += e.duration;
  });
  gcWatch.observe({ entryTypes: ['gc'] });
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  let count = 0;
  while (performance.now() - start < timeMs && count < max) {
    if (conc === 1) {
      const t0 = performance.now();
      await op();
      durations.push(performance.now() - t0);
      count++;
    } else {
      await Promise.all(
        Array.from({ length: conc }, async () => {
          const t0 = performance.now();
          await op();
          durations.push(performance.now() - t0);
        }),
      );
      count += conc;
    }
  }
  const elapsed = performance.now() - start;
  const cpu = process.cpuUsage(cpu0);
  // GC entries reach the observer a timer turn later (after setImmediate is not enough): wait for
  // those of the measured window before stopping.
  await new Promise((resolve) => setTimeout(resolve, 20));
  gcWatch.disconnect();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  durations.sort((a, b) => a - b);
  return {
    group,
    name,
    iterations: count,
    medianMs: percentile(durations, 50),
    p99Ms: percentile(durations, 99),
    opsPerSec: (count / elapsed) * 1000,
    opsPerCpuSec: cpuMs > 0 ? (count / cpuMs) * 1000 : Number.NaN,
    concurrency: conc,
    gcPercent: (gcMs / elapsed) * 100,
  };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n >= 1000) return Math.round(n).toLocaleString('en-US');
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

/**
 * A plain-text table of results. Columns: ops/s over the wall-clock run;
 * ops/cpu-s over this process's CPU time; 1/median, the rate at the median
 * cost (on a loaded machine the least disturbed of the three); median and
 * p99 per operation; n iterations; gc %, the share of the run the collector
 * paused the main thread; notes (targets, ratios, skips).
 */
export function formatTable(results: BenchResult[]): string {
  const rows = [
    ['group', 'benchmark', 'ops/s', 'ops/cpu-s', '1/median', 'median ms', 'p99 ms', 'n', 'gc %', 'notes'],
  ];
  for (const r of results) {
    rows.push([
      r.group,
      r.name,
      fmt(r.opsPerSec),
      fmt(r.opsPerCpuSec),
      // Operations per second at the median cost: what one core gives when nothing else runs.
      // Meaningless when calls overlap (the median is then a latency under load).
      (r.concurrency ?? 1) === 1 ? fmt(1000 / r.medianMs) : '-',
      fmt(r.medianMs),
      fmt(r.p99Ms),
      String(r.iterations),
      r.gcPercent === undefined ? '-' : r.gcPercent.toFixed(1),
      r.notes
        ? Object.entries(r.notes)
            .map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v) : v}`)
            .join(' ')
        : '',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row, ri) => {
      const line = row
        .map((c, i) => (i >= 2 && i <= 8 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join('  ');
      return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}
