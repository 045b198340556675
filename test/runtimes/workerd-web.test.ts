/**
 * The Web path: the Hono example in workerd WITHOUT `nodejs_compat` (no
 * `node:` modules, no `Buffer`, no `process`: what Vercel Edge and plain
 * Workers offer), bundled through the package's `workerd` export condition.
 * The same scenarios as workerd.test.ts run there (scenarios.ts), and the
 * bundle's static import graph is checked to hold no `node:` import.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundleWithMeta, staticNodeImports } from './harness.js';
import { registerRuntimeTests } from './scenarios.js';

test('the Workers bundle of the example (workerd conditions) imports no node: module outside on-demand chunks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-webpath-'));
  try {
    const { meta, entryOutput } = await bundleWithMeta('workerd', 'examples/hono/worker.ts', dir);
    assert.deepEqual(staticNodeImports(meta, entryOutput), []);
    // The Web entry was taken: the parsers are in the bundle, not required at run time.
    const inputs = Object.keys(meta.inputs);
    assert.ok(
      inputs.some((f) => f.endsWith('src/index-web.ts')),
      'src/index-web.ts is bundled',
    );
    assert.ok(
      inputs.some((f) => f.includes('node_modules/htmlparser2/')),
      'htmlparser2 is bundled',
    );
    assert.ok(
      inputs.some((f) => f.includes('node_modules/saxes/')),
      'saxes is bundled',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the Node bundle of the example (node conditions) keeps the parsers lazy', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-nodepath-'));
  try {
    const { meta } = await bundleWithMeta('bun', 'examples/hono/serve.ts', dir);
    const inputs = Object.keys(meta.inputs);
    assert.ok(!inputs.some((f) => f.endsWith('src/index-web.ts')), 'src/index-web.ts is not bundled');
    assert.ok(!inputs.some((f) => f.includes('node_modules/htmlparser2/')), 'htmlparser2 is not bundled');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

registerRuntimeTests('workerd', { nodejsCompat: false });
