/**
 * The folder layout of src/ (docs/architecture.md, "Layout"): folders import
 * downward only. The graph is built from the source itself (static imports,
 * re-exports and `import()`), type-only imports included: a type from a
 * folder above is still a dependency on it. The demo (demo/ at the top of
 * the repository) is a node of the graph too; its imports of the package's
 * public names (`openid2/node`) count as edges to the folder they map to.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src');
const DEMO = join(ROOT, 'demo');

/** `openid2` and `openid2/<sub>` → the source file tsconfig.json maps each to. */
const PUBLIC_NAMES: Record<string, string> = Object.fromEntries(
  Object.entries(
    (
      ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile).config as {
        compilerOptions: { paths: Record<string, string[]> };
      }
    ).compilerOptions.paths,
  ).map(([name, [target]]) => [name, resolve(ROOT, target as string)]),
);

/**
 * Top to bottom: a folder may import only folders listed after it. `(root)`
 * is the entry files directly in src/ (index.ts, otel.ts, protocol.ts).
 * `demo` is the top-level demo/ folder, which the CLI loads by a path it
 * computes at run time (src/cli/demo-command.ts), so no edge from cli shows.
 */
const LAYOUT = [
  'cli',
  'demo',
  '(root)',
  'adapters',
  'steam',
  'drivers',
  'rp',
  'op',
  'migrate',
  'background',
  'associations',
  'extensions',
  'discovery',
  'diagnostics',
  'stores',
  'protocol',
  'platform',
] as const;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function folderOf(file: string): string {
  if (file.startsWith(DEMO + sep)) return 'demo';
  const parts = relative(SRC, file).split(sep);
  return parts.length === 1 ? '(root)' : (parts[0] as string);
}

/** Relative specifiers a file imports: `import`, `export … from`, `import()`. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** The file an import names: a relative path, or a public name of the package; null for anything else. */
function targetOf(file: string, spec: string): string | null {
  if (spec.startsWith('.')) return resolve(dirname(file), spec);
  return PUBLIC_NAMES[spec] ?? null;
}

/** Folder → folders it imports, each with one file that shows it. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of [...sourceFiles(SRC), ...sourceFiles(DEMO)]) {
    const from = folderOf(file);
    for (const spec of importsOf(file)) {
      const target = targetOf(file, spec);
      if (target === null) continue;
      const to = folderOf(target);
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string>();
      graph.set(from, edges);
      if (!edges.has(to)) edges.set(to, `${relative(ROOT, file)} imports ${spec}`);
    }
  }
  return graph;
}

test('the layout lists every src folder, and the demo', () => {
  const folders = new Set([...sourceFiles(SRC), ...sourceFiles(DEMO)].map(folderOf));
  const unlisted = [...folders].filter((f) => !(LAYOUT as readonly string[]).includes(f)).sort();
  assert.deepEqual(unlisted, [], 'add new folders to LAYOUT here and in docs/architecture.md');
});

test('src folders import downward only', () => {
  const rank = new Map<string, number>(LAYOUT.map((f, i) => [f, i]));
  const upward: string[] = [];
  for (const [from, edges] of folderGraph()) {
    for (const [to, witness] of edges) {
      if ((rank.get(to) ?? -1) <= (rank.get(from) ?? -1)) upward.push(`${from} -> ${to} (${witness})`);
    }
  }
  assert.deepEqual(upward.sort(), []);
});

test('no two src folders import each other, directly or through others', () => {
  const graph = folderGraph();
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (node: string, path: string[]): void => {
    if (state.get(node) === 'done') return;
    if (state.get(node) === 'open') {
      cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
      return;
    }
    state.set(node, 'open');
    for (const next of graph.get(node)?.keys() ?? []) visit(next, [...path, node]);
    state.set(node, 'done');
  };
  for (const node of graph.keys()) visit(node, []);
  assert.deepEqual(cycles, []);
});

test('the graph sees static, type-only and dynamic imports', () => {
  // Known edges of each kind, so a parser that misses one kind fails here.
  const graph = folderGraph();
  assert.ok(graph.get('drivers')?.has('stores'), 'static: drivers/postgres.ts imports stores/sql.ts');
  assert.ok(
    graph.get('rp')?.has('background'),
    'type-only: rp/association-manager.ts imports background/queue.ts',
  );
  assert.ok(graph.get('drivers')?.has('background'), 'dynamic: drivers/open.ts import()s background queues');
  assert.ok(graph.get('demo')?.has('adapters'), 'public name: demo/server.ts imports openid2/node');
});

test('docs/architecture.md states the same layout, in the same order', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith('Layout'));
  assert.ok(section, 'docs/architecture.md has a "## Layout" section');
  const listed = [...section.matchAll(/^\d+\. `([^`]+)`/gm)].map((m) => m[1]);
  assert.deepEqual(listed, [...LAYOUT]);
});

test('bench and the demo import the package only through its public entry points', () => {
  const deep: string[] = [];
  for (const file of [...sourceFiles(join(ROOT, 'bench')), ...sourceFiles(DEMO)]) {
    for (const spec of importsOf(file)) {
      const target = spec.startsWith('.') ? resolve(dirname(file), spec) : '';
      if (target.startsWith(SRC + sep)) deep.push(`${relative(ROOT, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(deep, []);
});

test('no file under src/ imports the demo: the CLI loads it by a path computed at run time', () => {
  const into: string[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const spec of importsOf(file)) {
      const target = targetOf(file, spec);
      if (target?.startsWith(DEMO + sep)) into.push(`${relative(ROOT, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(into, []);
});
