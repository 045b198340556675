/**
 * `npm run bench`: runs every suite in bench/suites/ (or those whose file
 * name contains an argument), prints a table, writes bench/results.json.
 *
 *   npm run bench                     every suite except the on-request ones
 *   npm run bench -- --quick          shorter measurements and seeds (env BENCH_QUICK=1)
 *   npm run bench -- http             a suite by name; on-request suites (HTTP load) run only so
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchResult, formatTable } from './harness.js';

const dir = fileURLToPath(new URL('./suites/', import.meta.url));
const args = process.argv.slice(2);
if (args.includes('--quick')) process.env['BENCH_QUICK'] = '1';
const filters = args.filter((a) => !a.startsWith('--'));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

/** A suite: `run()` gives its rows; `onRequest` suites run only when named. */
interface Suite {
  run(): Promise<BenchResult[]>;
  onRequest?: boolean;
}

const results: BenchResult[] = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as Suite;
  if (mod.onRequest === true && filters.length === 0) {
    process.stderr.write(
      `bench: ${f} skipped (run it by name: npm run bench -- ${f.replace(/\.ts$/, '')})\n`,
    );
    continue;
  }
  process.stderr.write(`bench: ${f}\n`);
  try {
    for (const r of await mod.run()) {
      results.push(r);
      process.stderr.write(`  ${r.group} / ${r.name}: ${Math.round(r.opsPerSec)} ops/s\n`);
    }
  } catch (e) {
    process.stderr.write(`  suite ${f} failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  }
}

console.log(formatTable(results));
// Which code was measured: dist/ under `npm run bench` (bench/dist.mjs), src/ when run directly.
console.log(`openid2 measured from ${fileURLToPath(import.meta.resolve('openid2'))}`);
// BENCH_RESULTS writes elsewhere (the harness test uses a temporary file).
const out = process.env['BENCH_RESULTS'] ?? fileURLToPath(new URL('./results.json', import.meta.url));
writeFileSync(
  out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      loadavg: loadavg(),
      quick: process.env['BENCH_QUICK'] === '1',
      results,
    },
    null,
    2,
  )}\n`,
);
console.log(
  `\nwrote ${out} (load average at the end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')})`,
);
