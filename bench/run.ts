/**
 * `npm run bench`: runs every suite in bench/suites/ (or those whose file
 * name contains an argument), prints a table, writes bench/results.json.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchResult, formatTable } from './harness.js';

const dir = fileURLToPath(new URL('./suites/', import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const results: BenchResult[] = [];
for (const f of files) {
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { run(): Promise<BenchResult[]> };
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
const out = fileURLToPath(new URL('./results.json', import.meta.url));
writeFileSync(
  out,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      results,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${out}`);
