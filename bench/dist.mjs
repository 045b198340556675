/**
 * `npm run bench`: build `dist/` from the current sources, then run the
 * suites (bench/run.ts) with `openid2` and its subpaths resolved to it — the
 * JavaScript `tsc` emits, as an app that installs the package runs it — not
 * to the TypeScript sources through tsx (whose esbuild transform adds a
 * `__name` call to every class and every closure made per call). See
 * bench/README.md. `BENCH_SOURCE=1` measures the sources instead.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = process.env.BENCH_SOURCE === '1';
if (!source) {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
// Without the `paths` of tsconfig.json, `openid2` is the package's own name: Node resolves it
// through package.json `exports` to dist/ (the test helpers a suite borrows still load from src/).
const env = source ? process.env : { ...process.env, TSX_TSCONFIG_PATH: 'bench/tsconfig.dist.json' };
const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env,
});
process.exit(r.status ?? 1);
