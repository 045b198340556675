#!/usr/bin/env node
// Collects every *.test.ts under test/ and runs them with node's test runner.
// Node 20 does not find .ts test files by itself and does not expand quoted
// globs, so the list is built here: a new test file runs without anyone
// editing a list (test/meta/runner.test.ts checks this script finds them all).
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every test file below `dir`, sorted, as paths relative to the package root. */
export function collectTestFiles(dir = join(root, 'test')) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      if (name === 'node_modules' || name.startsWith('.')) continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.test\.(ts|mts|js|mjs)$/.test(name)) out.push(relative(root, p));
    }
  };
  walk(dir);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const filters = process.argv.slice(2);
  let files = collectTestFiles();
  if (filters.length > 0) files = files.filter((f) => filters.some((x) => f.includes(x)));
  if (files.length === 0) {
    console.error('run-tests: no test files found');
    process.exit(1);
  }
  const concurrency = process.env.TEST_CONCURRENCY ?? '2';
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files],
    { cwd: root, stdio: 'inherit' },
  );
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
}
