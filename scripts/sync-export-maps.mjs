#!/usr/bin/env node
// package.json `exports` is the one list of public entry points. Two other maps
// must follow it and are rewritten from it here: `typesVersions` (TypeScript's
// node10 / `module: commonjs` resolution) and tsconfig.json `paths` (so the
// examples, tests and bench import `openid2/...` straight from src/).
// test/package/public-names.test.ts fails when they drift; run this to fix them.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkgPath = `${root}package.json`;
const tsconfigPath = `${root}tsconfig.json`;
const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));

const entries = Object.entries(pkg.exports).filter(
  ([key, v]) => key !== './package.json' && typeof v === 'object',
);
const typesVersions = {};
const paths = {};
for (const [key, target] of entries) {
  const name = key === '.' ? 'openid2' : `openid2/${key.slice(2)}`;
  if (key !== '.') typesVersions[key.slice(2)] = [target.types];
  paths[name] = [target.types.replace(/^\.\/dist\//, './src/').replace(/\.d\.ts$/, '.ts')];
}
pkg.typesVersions = { '*': typesVersions };
writeFileSync(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);

// tsconfig.json is plain JSON here (no comments): rewrite its paths only.
const tsconfig = JSON.parse(readFileSync(tsconfigPath, 'utf8'));
tsconfig.compilerOptions.paths = paths;
writeFileSync(tsconfigPath, `${JSON.stringify(tsconfig, null, 2)}\n`);
// The project's formatter lays both files out as the rest of the tree.
execFileSync(`${root}node_modules/.bin/biome`, ['format', '--write', pkgPath, tsconfigPath], {
  stdio: 'ignore',
});
console.log(`sync-export-maps: ${entries.length} entry points`);
