/**
 * Verifies the package as published: `npm pack`, install the tarball into an
 * empty project with only its declared dependencies, import every subpath
 * export with `import` and `require()`, run the bin, and lint the export map.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, unknown>;
  peerDependencies?: Record<string, string>;
};
/** Subpaths that need a database driver the app installs itself (optional peers). */
const drivers = Object.keys(pkg.peerDependencies ?? {});

let work = '';
let tarball = '';
let files: string[] = [];
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });

describe('the published package', { timeout: 600_000 }, () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'openid2-pack-'));
    const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], root)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const first = out[0];
    assert.ok(first);
    tarball = join(work, first.filename);
    files = first.files.map((f) => f.path);
    const app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'app', version: '1.0.0', private: true }),
    );
    run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--ignore-scripts', tarball], app);
    // Drivers are optional peers: an app that uses openid2/postgres installs pg. Link ours in.
    for (const d of drivers) {
      const target = join(root, 'node_modules', d);
      const link = join(app, 'node_modules', d);
      if (existsSync(target) && !existsSync(link)) {
        mkdirSync(dirname(link), { recursive: true }); // a scoped peer (@opentelemetry/api) needs its scope folder
        symlinkSync(target, link, 'dir');
      }
    }
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('holds no tests, fixtures, TypeScript sources or source maps, and has the license', () => {
    assert.ok(files.includes('package.json'));
    assert.ok(files.includes('LICENSE'));
    for (const f of files) {
      assert.ok(!/^(test|bench|examples|scripts)\//.test(f), `unexpected file in tarball: ${f}`);
      assert.ok(!/\.test\./.test(f), `test file in tarball: ${f}`);
      assert.ok(!/\.map$/.test(f), `source map in tarball: ${f}`);
      assert.ok(!(f.endsWith('.ts') && !f.endsWith('.d.ts')), `TypeScript source in tarball: ${f}`);
    }
  });

  test('every export target and its declarations are in the tarball', () => {
    for (const [sub, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') {
        assert.ok(files.includes(target.replace(/^\.\//, '')), `${sub} -> ${target}`);
        continue;
      }
      const t = target as { types: string; default: string };
      assert.ok(files.includes(t.default.replace(/^\.\//, '')), `${sub} -> ${t.default}`);
      assert.ok(files.includes(t.types.replace(/^\.\//, '')), `${sub} -> ${t.types}`);
    }
  });

  for (const sub of Object.keys(pkg.exports)) {
    if (sub === './package.json') continue;
    const spec = sub === '.' ? 'openid2' : `openid2/${sub.slice(2)}`;
    test(`${spec} loads with import and with require()`, () => {
      const app = join(work, 'app');
      const esm = run(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(spec)}); console.log(Object.keys(m).length);`,
        ],
        app,
      );
      assert.ok(Number(esm.trim()) > 0, `${spec} has exports`);
      const cjs = run(
        process.execPath,
        ['-e', `console.log(Object.keys(require(${JSON.stringify(spec)})).length)`],
        app,
      );
      assert.ok(Number(cjs.trim()) > 0, `${spec} via require()`);
    });
  }

  test('importing the core loads no database driver', () => {
    const app = join(work, 'app');
    const code = `import 'openid2'; import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/x.js');
      const loaded = Object.keys(require.cache).filter((p) => ${JSON.stringify(drivers)}.some((d) => p.includes('/node_modules/' + d + '/')));
      console.log(JSON.stringify(loaded));`;
    assert.equal(run(process.execPath, ['--input-type=module', '-e', code], app).trim(), '[]');
    // The same probe does see a driver once a store subpath is imported (so the check above can fail).
    const probe = code.replace("import 'openid2';", "import 'openid2'; import 'openid2/postgres';");
    assert.notEqual(run(process.execPath, ['--input-type=module', '-e', probe], app).trim(), '[]');
  });

  test('the framework adapters load no framework (express, fastify, passport are imported as types only)', () => {
    const app = join(work, 'app');
    const frameworks = ['express', 'fastify', 'passport'];
    const code = `import 'openid2/web'; import 'openid2/steam'; import 'openid2/express'; import 'openid2/fastify'; import 'openid2/passport';
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/x.js');
      const loaded = Object.keys(require.cache).filter((p) => ${JSON.stringify(frameworks)}.some((d) => p.includes('/node_modules/' + d + '/')));
      console.log(JSON.stringify(loaded));`;
    assert.equal(run(process.execPath, ['--input-type=module', '-e', code], app).trim(), '[]');
    // The probe sees a framework once one is really loaded (so the check above can fail).
    const probe = code.replace("import 'openid2/web';", "import 'openid2/web'; import 'express';");
    assert.notEqual(run(process.execPath, ['--input-type=module', '-e', probe], app).trim(), '[]');
  });

  test('the openid2 bin runs from the installed package', () => {
    const out = run(join(work, 'app', 'node_modules', '.bin', 'openid2'), ['--help'], join(work, 'app'));
    assert.match(out, /Usage: openid2/);
  });

  test('publint finds no problem in the package', () => {
    const out = run(join(root, 'node_modules', '.bin', 'publint'), ['run', tarball, '--strict'], root);
    assert.match(out, /All good|No issues/i);
  });

  test('the types resolve for every entry (arethetypeswrong, ESM-only profile)', () => {
    // attw exits non-zero when a problem outside the profile's ignored resolutions is found.
    const out = run(
      join(root, 'node_modules', '.bin', 'attw'),
      [tarball, '--profile', 'esm-only', '--no-color'],
      root,
    );
    assert.match(out, /node16 \(from ESM\)/);
  });
});
