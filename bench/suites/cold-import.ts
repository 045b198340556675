/**
 * Cold import: the time a fresh Node process spends importing the package,
 * openid2 (built, `dist/index.js`, as a user's app loads it) side by side with
 * the `openid` package (node-openid) and `passport-steam`. Each row starts 15
 * child processes (5 when quick) after one unmeasured warm-up run that fills
 * the OS file cache, and reports the median of the times each child measures
 * around its own `import()`; `process ms` notes the median wall-clock life of
 * the whole child, Node's own start-up included.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchResult, isQuick, note } from '../harness.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** What each row imports: a specifier resolved from the repository root. */
const TARGETS: readonly { name: string; specifier: string }[] = [
  { name: 'node alone (nothing imported)', specifier: '' },
  { name: 'openid2 (dist/index.js)', specifier: pathToFileURL(`${root}dist/index.js`).href },
  {
    name: 'openid2/steam (dist/adapters/steam.js)',
    specifier: pathToFileURL(`${root}dist/adapters/steam.js`).href,
  },
  { name: 'openid (node-openid)', specifier: 'openid' },
  { name: 'passport-steam', specifier: 'passport-steam' },
];

function median(sorted: number[]): number {
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

/** One fresh process importing `specifier`: the import's own time and the process's whole life, in ms. */
function once(specifier: string): { importMs: number; processMs: number } {
  const code = `const t = performance.now();
    ${specifier === '' ? '' : `await import(${JSON.stringify(specifier)});`}
    process.stdout.write(String(performance.now() - t));`;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const processMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`importing ${specifier} failed: ${r.stderr}`);
  return { importMs: Number(r.stdout), processMs };
}

export async function run(): Promise<BenchResult[]> {
  // Measure the package as it ships: build dist from the current sources first.
  execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
    timeout: 300_000,
  });
  const runs = isQuick() ? 5 : 15;
  const out: BenchResult[] = [];
  for (const target of TARGETS) {
    once(target.specifier);
    const imports: number[] = [];
    const lives: number[] = [];
    for (let i = 0; i < runs; i++) {
      const r = once(target.specifier);
      imports.push(r.importMs);
      lives.push(r.processMs);
    }
    imports.sort((a, b) => a - b);
    lives.sort((a, b) => a - b);
    const med = median(imports);
    out.push(
      note(
        {
          group: 'cold import',
          name: target.name,
          iterations: runs,
          medianMs: med,
          p99Ms: imports[imports.length - 1] as number,
          opsPerSec: 1000 / med,
          opsPerCpuSec: Number.NaN,
        },
        { 'process ms': median(lives) },
      ),
    );
  }
  return out;
}
