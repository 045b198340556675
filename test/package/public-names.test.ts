/**
 * What users copy uses only what users can import: the examples and every code
 * block of README.md and docs/*.md import the package by its public names
 * (`openid2`, `openid2/<subpath of the export map>`), never `../src/...`; the
 * repository resolves those names to the sources through tsconfig `paths`, which
 * must equal the export map; and every `docs/...` file named in src comments or
 * the README exists.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (f: string) => readFileSync(join(root, f), 'utf8');
const pkg = JSON.parse(read('package.json')) as {
  exports: Record<string, string | { types?: string }>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

/** `openid2` and `openid2/<sub>` for each entry of the export map that has types. */
const publicNames = new Set(
  Object.entries(pkg.exports)
    .filter(([, t]) => typeof t === 'object')
    .map(([k]) => (k === '.' ? 'openid2' : `openid2/${k.slice(2)}`)),
);
/** Packages an example may import besides ours: Node's own and the frameworks it shows. */
const otherPackages = new Set([
  ...Object.keys(pkg.peerDependencies ?? {}),
  ...Object.keys(pkg.devDependencies ?? {}),
]);

/** Every module specifier imported (statically or with `import()`) by a piece of TypeScript. */
function importedSpecifiers(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/(?:^|[\s;])(?:import|export)\s[^'";]*?\bfrom\s+['"]([^'"]+)['"]/g)) {
    out.push(m[1] as string);
  }
  for (const m of code.matchAll(/(?:^|[\s;])import\s+['"]([^'"]+)['"]/g)) out.push(m[1] as string);
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1] as string);
  return out;
}

/** Why a specifier is not something a user of the package can import, or null when it is. */
function notPublic(spec: string): string | null {
  if (spec.startsWith('node:') || builtinModules.includes(spec)) return null;
  if (spec.startsWith('.') || spec.startsWith('/'))
    return 'a relative path (users import the package by name)';
  if (spec === 'openid2' || spec.startsWith('openid2/')) {
    return publicNames.has(spec) ? null : 'not a subpath of the export map';
  }
  const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string);
  return otherPackages.has(name) ? null : 'a package the project does not declare';
}

const examples = readdirSync(join(root, 'examples'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `examples/${f}`);
const guides = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The ts/js/typescript/javascript fenced code blocks of a markdown text. */
function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```(?:ts|js|typescript|javascript|mjs|cjs)\s*\n([\s\S]*?)^```/gm)].map(
    (m) => m[1] as string,
  );
}

function srcFiles(dir = join(root, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? srcFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('public names in examples and guides', () => {
  test('the checker flags what a user cannot import (so the tests below can fail)', () => {
    assert.deepEqual(
      importedSpecifiers("import { a } from '../src/index.js';\nimport 'x';\nawait import('y');"),
      ['../src/index.js', 'x', 'y'],
    );
    assert.match(notPublic('../src/adapters/node-http.js') ?? '', /relative/);
    assert.match(notPublic('openid2/adapters/node-http') ?? '', /export map/);
    assert.match(notPublic('left-pad') ?? '', /does not declare/);
    assert.equal(notPublic('openid2/node'), null);
    assert.equal(notPublic('node:http'), null);
    assert.equal(notPublic('express'), null);
  });

  test('nodeListener is public, under openid2/node', () => {
    assert.ok(publicNames.has('openid2/node'));
    const target = pkg.exports['./node'];
    assert.equal(typeof target === 'object' ? target.types : undefined, './dist/adapters/node-http.d.ts');
    assert.match(read('src/adapters/node-http.ts'), /export function nodeListener\(/);
  });

  test('examples import only node:*, declared frameworks and public openid2 names', () => {
    assert.ok(examples.length >= 5);
    const bad: string[] = [];
    for (const file of examples) {
      for (const spec of importedSpecifiers(read(file))) {
        const why = notPublic(spec);
        if (why) bad.push(`${file}: '${spec}' is ${why}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('code blocks of README.md and docs/*.md import only public openid2 names', () => {
    let blocks = 0;
    const bad: string[] = [];
    for (const file of guides) {
      for (const block of codeBlocks(read(file))) {
        blocks++;
        for (const spec of importedSpecifiers(block)) {
          if (spec.startsWith('openid2') || spec.startsWith('.') || spec.includes('/src/')) {
            const why = notPublic(spec);
            if (why) bad.push(`${file}: '${spec}' is ${why}`);
          }
        }
      }
    }
    assert.ok(blocks > 10, `found only ${blocks} code blocks`);
    assert.deepEqual(bad, []);
  });

  test('tsconfig paths map every public name to its source, and nothing else', () => {
    const tsconfig = JSON.parse(read('tsconfig.json')) as {
      compilerOptions: { paths?: Record<string, string[]> };
    };
    const expected: Record<string, string[]> = {};
    for (const [k, t] of Object.entries(pkg.exports)) {
      if (typeof t !== 'object' || !t.types) continue;
      const src = t.types.replace(/^\.\/dist\//, './src/').replace(/\.d\.ts$/, '.ts');
      expected[k === '.' ? 'openid2' : `openid2/${k.slice(2)}`] = [src];
      assert.ok(existsSync(join(root, src)), src);
    }
    assert.deepEqual(tsconfig.compilerOptions.paths, expected);
  });

  test('every docs/... file named in src comments and the README exists', () => {
    const missing: string[] = [];
    const named = (file: string, text: string) => {
      for (const m of text.matchAll(/\bdocs\/[\w./-]*?\.md\b/g)) {
        if (!existsSync(join(root, m[0]))) missing.push(`${file}: ${m[0]}`);
      }
    };
    let seen = 0;
    for (const f of srcFiles()) {
      const text = readFileSync(f, 'utf8');
      seen += [...text.matchAll(/\bdocs\/[\w./-]*?\.md\b/g)].length;
      named(f.slice(root.length + 1), text);
    }
    named('README.md', read('README.md'));
    assert.ok(seen > 0, 'src names no docs/ file: the check would pass vacuously');
    assert.deepEqual(missing, []);
  });
});
