import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: plain ESM script without declarations
import { collectTestFiles } from '../../scripts/run-tests.mjs';

test('the runner finds test files in nested folders without a list', () => {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-runner-'));
  try {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'top.test.ts'), '');
    writeFileSync(join(dir, 'a', 'b', 'deep.test.ts'), '');
    writeFileSync(join(dir, 'a', 'helper.ts'), '');
    const found: string[] = collectTestFiles(dir);
    assert.equal(found.length, 2);
    assert.ok(found.some((f) => f.endsWith(join('a', 'b', 'deep.test.ts'))));
    assert.ok(found.some((f) => f.endsWith('top.test.ts')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the runner finds this very file in the real test folder', () => {
  const found: string[] = collectTestFiles();
  assert.ok(found.includes(join('test', 'meta', 'runner.test.ts')));
});
