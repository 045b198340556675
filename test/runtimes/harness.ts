/**
 * Runs the Hono example (examples/hono) in a real runtime — Bun, Deno or
 * workerd, installed from npm as devDependencies — and drives logins
 * against providers served by this Node process on 127.0.0.1.
 *
 * The app is bundled with esbuild under the runtime's export conditions,
 * then started as the runtime would start it: `bun bundle.mjs`,
 * `deno run bundle.mjs`, or `workerd serve config.capnp` with the bundle as
 * the Worker module (wrangler needs Node ≥ 22, so workerd is driven
 * directly with a config file).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { freePort } from '../adapters/free-port.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type RuntimeKind = 'bun' | 'deno' | 'workerd';

/** The runtime's binary from node_modules/.bin. */
export function binary(kind: RuntimeKind): string {
  return join(repoRoot, 'node_modules', '.bin', kind);
}

/** Why the runtime cannot run here (then its tests skip saying so), or false. */
export function unavailable(kind: RuntimeKind): string | false {
  const bin = binary(kind);
  if (!existsSync(bin)) return `${kind} is not installed (npm ci installs it as a devDependency)`;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) return `${kind} --version failed here: ${(r.stderr || String(r.error)).slice(0, 200)}`;
  return false;
}

/** Export conditions esbuild resolves with, per runtime (the names runtimes and bundlers use). */
const CONDITIONS: Record<RuntimeKind, string[]> = {
  bun: ['bun', 'node', 'import'],
  deno: ['deno', 'node', 'import'],
  workerd: ['workerd', 'worker', 'browser', 'import'],
};

/**
 * The optional database drivers: `openStore()` imports them only when asked
 * for their scheme, so they stay out of the bundle (as an app bundling for
 * Workers marks them; docs/runtimes.md).
 */
const OPTIONAL_DRIVERS = ['pg', 'mysql2', 'mysql2/*', 'ioredis', 'better-sqlite3'];

/**
 * The example imports openid2 from src/ (as `../../src/index.js`), so
 * esbuild never reads package.json `exports`. This applies them: a source
 * module that is the `default` target of an entry is swapped for the target
 * `conditions` select, as a bundler does for an app importing `openid2`.
 */
function exportConditions(conditions: readonly string[]): Plugin {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
    exports: Record<string, string | Record<string, string>>;
  };
  const toSrc = (dist: string) => join(repoRoot, dist.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts'));
  const swaps = new Map<string, string>();
  for (const target of Object.values(pkg.exports)) {
    if (typeof target !== 'object' || target['default'] === undefined) continue;
    const chosen = Object.keys(target).find(
      (k) => k !== 'types' && (k === 'default' || conditions.includes(k)),
    );
    if (chosen !== undefined && chosen !== 'default') {
      swaps.set(toSrc(target['default']), toSrc(target[chosen] as string));
    }
  }
  return {
    name: 'openid2-export-conditions',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.importer === '' || swaps.has(args.importer)) return undefined;
        const resolved = resolve(dirname(args.importer), args.path).replace(/\.js$/, '.ts');
        const swapped = swaps.get(resolved);
        return swapped === undefined || args.importer === swapped ? undefined : { path: swapped };
      });
    },
  };
}

/** Every `node:` module the static import graph of `entry` (not its on-demand chunks) reaches. */
export function staticNodeImports(meta: import('esbuild').Metafile, entryOutput: string): string[] {
  const seen = new Set<string>();
  const found = new Set<string>();
  const visit = (out: string) => {
    if (seen.has(out)) return;
    seen.add(out);
    for (const i of meta.outputs[out]?.imports ?? []) {
      if (i.kind === 'dynamic-import') continue;
      if (i.path.startsWith('node:')) found.add(i.path);
      else if (meta.outputs[i.path] !== undefined) visit(i.path);
    }
  };
  visit(entryOutput);
  return [...found].sort();
}

/**
 * Bundles `entry` for `kind` into `dir/app.mjs` plus the chunks its dynamic
 * imports load on demand (returned too, for workerd's module list). Node
 * built-ins stay imports the runtime provides.
 */
export async function bundle(kind: RuntimeKind, entry: string, dir: string): Promise<string[]> {
  return (await bundleWithMeta(kind, entry, dir)).files;
}

/** {@link bundle}, with esbuild's metafile and the entry's output name. */
export async function bundleWithMeta(
  kind: RuntimeKind,
  entry: string,
  dir: string,
): Promise<{ files: string[]; meta: import('esbuild').Metafile; entryOutput: string }> {
  const result = await build({
    plugins: [exportConditions(CONDITIONS[kind])],
    entryPoints: { app: join(repoRoot, entry) },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: kind === 'workerd' ? 'browser' : 'node',
    conditions: CONDITIONS[kind],
    external: ['node:*', ...OPTIONAL_DRIVERS],
    target: 'es2022',
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    metafile: true,
    logLevel: 'error',
  });
  const outputs = Object.keys(result.metafile.outputs);
  const entryOutput = outputs.find((f) => f.endsWith('/app.mjs')) as string;
  return {
    files: outputs.map((f) => resolve(f).slice(resolve(dir).length + 1)),
    meta: result.metafile,
    entryOutput,
  };
}

/** A running app in a runtime. */
export interface RunningApp {
  /** Base URLs of the app instances (workerd serves one per socket). */
  readonly bases: readonly string[];
  /** What the runtime printed, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

async function waitUntilAnswering(base: string, child: ChildProcess, output: () => string): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`runtime exited (${child.exitCode}):\n${output()}`);
    try {
      const res = await fetch(`${base}/`);
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  throw new Error(`runtime did not answer at ${base} within 30 s:\n${output()}`);
}

function capnpString(s: string): string {
  return JSON.stringify(s);
}

/**
 * Starts the Hono example in `kind` with one app per entry of `instances`
 * (its environment variables; BASE_URL is filled in). Bun and Deno run one
 * instance; workerd runs them all, one socket each.
 */
export async function startApp(
  kind: RuntimeKind,
  instances: readonly Record<string, string>[],
  options: { nodejsCompat?: boolean } = {},
): Promise<RunningApp> {
  const compatibilityFlags = options.nodejsCompat === false ? '[]' : '["nodejs_compat"]';
  const dir = mkdtempSync(join(tmpdir(), `openid2-${kind}-`));
  const ports = await Promise.all(instances.map(() => freePort()));
  const bases = ports.map((p) => `http://127.0.0.1:${p}`);
  let child: ChildProcess;
  if (kind === 'workerd') {
    const files = await bundle(kind, 'examples/hono/worker.ts', dir);
    const modules = ['app.mjs', ...files.filter((f) => f !== 'app.mjs')]
      .map((f) => `(name = ${capnpString(f)}, esModule = embed ${capnpString(f)})`)
      .join(', ');
    const workers = instances.map((vars, i) => {
      const bindings = Object.entries({ ...vars, BASE_URL: bases[i] as string })
        .map(([k, v]) => `(name = ${capnpString(k)}, text = ${capnpString(v)})`)
        .join(', ');
      return `(name = "app${i}", worker = (modules = [${modules}], compatibilityDate = "2026-06-01", compatibilityFlags = ${compatibilityFlags}, bindings = [${bindings}], globalOutbound = "internet"))`;
    });
    const sockets = ports.map(
      (p, i) => `(name = "s${i}", address = "127.0.0.1:${p}", http = (), service = "app${i}")`,
    );
    writeFileSync(
      join(dir, 'config.capnp'),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [${workers.join(', ')}, (name = "internet", network = (allow = ["public", "private", "local"]))],
  sockets = [${sockets.join(', ')}],
);
`,
    );
    child = spawn(binary('workerd'), ['serve', join(dir, 'config.capnp'), '--verbose'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } else {
    if (instances.length !== 1) throw new Error(`${kind} runs one instance`);
    await bundle(kind, 'examples/hono/serve.ts', dir);
    const file = join(dir, 'app.mjs');
    const env = { ...process.env, ...instances[0], BASE_URL: bases[0] as string, PORT: String(ports[0]) };
    const args =
      kind === 'bun' ? [file] : ['run', '--allow-net=127.0.0.1', '--allow-env', '--no-prompt', file];
    child = spawn(binary(kind), args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  }
  let log = '';
  child.stdout?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const output = () => log.slice(-4000);
  const close = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const base of bases) await waitUntilAnswering(base, child, output);
  } catch (e) {
    await close();
    throw e;
  }
  return { bases, output, close };
}
