/**
 * The API reference: `npm run docs` builds it with TypeDoc from every entry
 * point of the export map, and every public symbol has a doc comment. The
 * check is run on a fixture with an undocumented export first, so this test
 * can fail.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { entryPoints, typedocArgs } from '../../scripts/docs.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');

function typedoc(args: string[]) {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 180_000 });
  return { status: r.status, out: strip(`${r.stdout}${r.stderr}`) };
}

describe('API reference (npm run docs)', { timeout: 400_000 }, () => {
  test('documents every subpath of the export map, from its source file', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
    };
    const withTypes = Object.values(pkg.exports).filter((t) => typeof t === 'object' && t !== null);
    const entries = entryPoints();
    assert.equal(entries.length, withTypes.length);
    assert.ok(entries.includes('src/index.ts'));
    assert.ok(entries.every((e) => /^src\/.+\.ts$/.test(e)));
  });

  test('the check fails on an exported symbol without a doc comment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-docs-'));
    try {
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: { strict: true, module: 'NodeNext', types: [] },
          include: ['*.ts'],
        }),
      );
      writeFileSync(
        join(dir, 'entry.ts'),
        '/** Documented. */\nexport const documented = 1;\nexport function forgotten(): number {\n  return 2;\n}\n',
      );
      // TypeDoc takes the tsconfig from the options file, so the fixture's extends ours.
      writeFileSync(
        join(dir, 'typedoc.json'),
        JSON.stringify({ extends: [join(root, 'typedoc.json')], tsconfig: './tsconfig.json' }),
      );
      const r = typedoc(
        typedocArgs({ check: true, entries: [join(dir, 'entry.ts')], options: join(dir, 'typedoc.json') }),
      );
      assert.notEqual(r.status, 0, r.out);
      assert.match(r.out, /forgotten .*does not have any documentation/);
      assert.doesNotMatch(r.out, /documented .*does not have any documentation/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('every public symbol of the package has a doc comment, and the reference is written', () => {
    const out = mkdtempSync(join(tmpdir(), 'openid2-api-'));
    try {
      const r = typedoc(typedocArgs({ check: true, out }));
      const missing = r.out.split('\n').filter((l) => l.includes('does not have any documentation'));
      assert.deepEqual(missing, []);
      assert.equal(r.status, 0, r.out);
      // One page per class, with its members and doc comments.
      const provider = readFileSync(join(out, 'classes', 'openid2.Provider.html'), 'utf8');
      assert.match(provider, /decodeRequest/);
      assert.match(provider, /The OpenID provider/);
      assert.ok(existsSync(join(out, 'modules', 'openid2_postgres.html')));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
