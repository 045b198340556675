/**
 * Verifies the package as published: `npm pack`, install the tarball into an
 * empty project with only its declared dependencies, import every subpath
 * export with `import` and `require()`, run the bin, and lint the export map
 * (publint, and arethetypeswrong with the profile docs/package.md documents).
 * A second project has no optional peer at all: there the shipped examples
 * (transpiled, nothing else changed) sign in through `nodeListener`, the demo
 * runs with `--store memory:`, a missing driver says what to install, and
 * TypeScript consumers (nodenext, node16, bundler, commonjs) typecheck with
 * `skipLibCheck: false` and no framework types.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
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
import { dirname, join, posix, resolve } from 'node:path';
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
/** A project with the tarball and no optional peer (no driver, no framework); `npm install` output kept. */
let bare = '';
let bareInstallLog = '';
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
    // Installed as a user would, scripts allowed: the log must carry no install-scripts warning.
    bare = join(work, 'bare');
    mkdirSync(bare);
    writeFileSync(
      join(bare, 'package.json'),
      JSON.stringify({ name: 'bare', version: '1.0.0', private: true }),
    );
    const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--omit=peer', tarball], {
      cwd: bare,
      encoding: 'utf8',
      timeout: 300_000,
    });
    bareInstallLog = `${r.stdout}${r.stderr}`;
    assert.equal(r.status, 0, bareInstallLog);
  });

  after(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('holds no tests, fixtures, TypeScript sources or source maps, and has the license, guides and examples', () => {
    assert.ok(files.includes('package.json'));
    assert.ok(files.includes('LICENSE'));
    assert.ok(files.includes('docs/relying-party.md'));
    assert.ok(files.includes('examples/web-rp.ts'));
    for (const f of files) {
      assert.ok(!/^(test|bench|scripts|src)\//.test(f), `unexpected file in tarball: ${f}`);
      assert.ok(!/^docs\/api\//.test(f), `generated API reference in tarball: ${f}`);
      assert.ok(!/\.test\./.test(f), `test file in tarball: ${f}`);
      assert.ok(!/\.map$/.test(f), `source map in tarball: ${f}`);
      // The examples are documentation a user reads and copies; no other TypeScript source ships.
      const source = f.endsWith('.ts') && !f.endsWith('.d.ts');
      assert.ok(!source || /^examples\/[^/]+\.ts$/.test(f), `TypeScript source in tarball: ${f}`);
    }
  });

  test('every relative link of README.md and the shipped guides points at a file in the tarball', () => {
    const guides = files.filter((f) => f === 'README.md' || /^docs\/[^/]+\.md$/.test(f));
    assert.ok(guides.length > 5);
    const broken: string[] = [];
    for (const file of guides) {
      for (const [, target] of readFileSync(join(root, file), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (!target || /^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
        const path = posix.normalize(posix.join(posix.dirname(file), target.split('#')[0] as string));
        if (!files.includes(path)) broken.push(`${file}: ${target}`);
      }
    }
    assert.deepEqual(broken, []);
  });

  test('the manifest names the repository, homepage and issue tracker, and runs no script at install', () => {
    const shipped = JSON.parse(
      readFileSync(join(work, 'bare', 'node_modules', 'openid2', 'package.json'), 'utf8'),
    ) as Record<string, unknown> & { scripts?: Record<string, string>; repository?: { url?: string } };
    assert.match(shipped.repository?.url ?? '', /github\.com\/openid2\/openid2/);
    assert.equal(typeof shipped['homepage'], 'string');
    assert.equal(typeof (shipped['bugs'] as { url?: unknown } | undefined)?.url, 'string');
    assert.ok(Array.isArray(shipped['keywords']));
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) {
      assert.equal(shipped.scripts?.[s], undefined, `scripts.${s} would run at a user's install`);
    }
    assert.doesNotMatch(bareInstallLog, /install.scripts|prepare|tsc -p/i);
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
    // The same probe does see a driver once a store is opened (so the check above can fail): drivers
    // load when a store is built, not when its subpath is imported.
    const probe = code.replace(
      "import 'openid2';",
      "import { openStore } from 'openid2'; await openStore('postgres://127.0.0.1:1/none', { timeoutMs: 300 }).catch(() => {});",
    );
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

  test('the types resolve for every entry (arethetypeswrong, the profile of docs/package.md)', () => {
    // Every resolution mode is checked (node10 through typesVersions, node16, bundler); the one
    // rule ignored is the ESM-only package's by design: from CommonJS under `module: node16` it
    // is `import()`-only. attw exits non-zero on any other problem.
    const out = run(
      join(root, 'node_modules', '.bin', 'attw'),
      [tarball, '--ignore-rules', 'cjs-resolves-to-esm', '--no-color'],
      root,
    );
    assert.match(out, /node10/);
    assert.match(out, /node16 \(from ESM\)/);
    assert.match(
      readFileSync(join(root, 'docs', 'package.md'), 'utf8'),
      /attw --pack \. --ignore-rules cjs-resolves-to-esm/,
    );
  });

  describe('in a project with no optional peer', () => {
    test('the installed tree has no driver and no framework', () => {
      for (const d of drivers) assert.ok(!existsSync(join(bare, 'node_modules', d)), d);
    });

    test('the shipped examples, transpiled only, sign in through nodeListener', async () => {
      const ts = (await import('typescript')).default;
      for (const name of ['provider', 'relying-party']) {
        const source = readFileSync(join(bare, 'node_modules', 'openid2', 'examples', `${name}.ts`), 'utf8');
        const js = ts.transpileModule(source, {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        }).outputText;
        writeFileSync(join(bare, `${name}.mjs`), js);
      }
      writeFileSync(
        join(bare, 'login.mjs'),
        `import { start as startProvider } from './provider.mjs';
import { start as startRp } from './relying-party.mjs';
const op = await startProvider(0);
const rp = await startRp(0, { allowPrivateNetworks: true });
try {
  const begin = await fetch(rp.url + '/login?openid=' + encodeURIComponent(op.url + '/id/alice'), { redirect: 'manual' });
  const cookie = (begin.headers.get('set-cookie') ?? '').split(';')[0];
  const atOp = await fetch(begin.headers.get('location'), { redirect: 'manual' });
  const back = await fetch(atOp.headers.get('location'), { headers: { cookie } });
  console.log(JSON.stringify({ opUrl: op.url, status: back.status, body: await back.json() }));
} finally {
  await rp.close();
  await op.close();
}
`,
      );
      const out = JSON.parse(run(process.execPath, ['login.mjs'], bare).trim()) as {
        opUrl: string;
        status: number;
        body: { claimedId: string };
      };
      assert.equal(out.status, 200);
      assert.equal(out.body.claimedId, `${out.opUrl}/id/alice`);
    });

    test('openid2 demo --store memory: serves its pages without better-sqlite3', async () => {
      const bin = join(bare, 'node_modules', '.bin', 'openid2');
      const child = spawn(bin, ['demo', '--store', 'memory:', '--port', '0'], {
        cwd: bare,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const url = await new Promise<string>((resolveUrl, reject) => {
          let out = '';
          let err = '';
          const timer = setTimeout(() => reject(new Error(`demo did not start: ${out}${err}`)), 60_000);
          child.stderr.on('data', (d: Buffer) => {
            err += d.toString();
          });
          child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const m = /relying party: (\S+)/.exec(out);
            if (m) {
              clearTimeout(timer);
              resolveUrl(m[1] as string);
            }
          });
          child.on('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`demo exited ${code}: ${out}${err}`));
          });
        });
        assert.equal((await fetch(url)).status, 200);
        assert.equal((await fetch(new URL('op/', url))).status, 200);
      } finally {
        child.kill('SIGTERM');
      }
    });

    test('openid2 demo on its default SQLite store says what to install', () => {
      const r = spawnSync(join(bare, 'node_modules', '.bin', 'openid2'), ['demo', '--port', '0'], {
        cwd: bare,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /npm install better-sqlite3/);
      assert.match(r.stderr, /--store memory:/);
    });

    test('openStore(postgres://…) without pg names the package and the command to install it', () => {
      const code = `import { openStore } from 'openid2';
        try { await openStore('postgres://127.0.0.1:1/none'); console.log('opened'); }
        catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`;
      const out = JSON.parse(run(process.execPath, ['--input-type=module', '-e', code], bare).trim()) as {
        code: string;
        message: string;
      };
      assert.equal(out.code, 'driver_missing');
      assert.match(out.message, /\bpg\b/);
      assert.match(out.message, /npm install pg/);
    });

    const consumers: Record<
      string,
      { type: 'module' | 'commonjs'; compilerOptions: Record<string, unknown> }
    > = {
      'ESM, module nodenext': {
        type: 'module',
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' },
      },
      'ESM, module node16': {
        type: 'module',
        compilerOptions: { module: 'node16', moduleResolution: 'node16' },
      },
      'bundler resolution': {
        type: 'module',
        compilerOptions: { module: 'esnext', moduleResolution: 'bundler' },
      },
      'CommonJS, module commonjs (node10 resolution, through typesVersions)': {
        type: 'commonjs',
        compilerOptions: { module: 'commonjs', moduleResolution: 'node10' },
      },
      'CommonJS, module nodenext (require of ESM)': {
        type: 'commonjs',
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext' },
      },
    };
    const consumerCode = `import { MemoryStore, RelyingParty, type CompleteResult } from 'openid2';
import { nodeListener } from 'openid2/node';
import { rpHandlers } from 'openid2/web';
import { steamIdOf } from 'openid2/steam';
import { OpenIDStrategy, type VerifyDone } from 'openid2/passport';
const rp = new RelyingParty({ realm: 'https://app.example/', returnTo: 'https://app.example/r', secret: 'x'.repeat(32), store: new MemoryStore() });
const { login } = rpHandlers(rp, { onSuccess: () => '/' });
export const listener: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void = nodeListener(login);
export const strategy = new OpenIDStrategy({ relyingParty: rp }, (identifier: string, done: VerifyDone) => done(null, { identifier }));
export const id: (r: CompleteResult) => string | null = (r) => (r.status === 'success' ? steamIdOf(r) : null);
// @ts-expect-error nodeListener takes a handler function (so a broken type does fail this project)
nodeListener('not a handler');
`;
    for (const [name, c] of Object.entries(consumers)) {
      test(`TypeScript consumer typechecks: ${name}, skipLibCheck false, no framework types`, () => {
        const dir = join(bare, `consumer-${Object.keys(consumers).indexOf(name)}`);
        mkdirSync(dir, { recursive: true });
        writeFileSync(
          join(dir, 'package.json'),
          JSON.stringify({ name: 'consumer', private: true, type: c.type }),
        );
        writeFileSync(
          join(dir, 'tsconfig.json'),
          JSON.stringify({
            compilerOptions: {
              ...c.compilerOptions,
              target: 'es2022',
              lib: ['es2023'],
              strict: true,
              skipLibCheck: false,
              noEmit: true,
              types: ['node'],
              typeRoots: [join(root, 'node_modules', '@types')],
            },
            files: ['index.ts'],
          }),
        );
        writeFileSync(join(dir, 'index.ts'), consumerCode);
        const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
        const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 180_000,
        });
        assert.equal(r.status, 0, r.stdout + r.stderr);
      });
    }
  });
});
