/**
 * `openid2 demo` loads the demo (demo/, outside src/) by a path computed from
 * where the CLI runs: built (dist/cli → dist/demo) or from source under tsx.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as demoServer from '../../demo/server.js';
import { type DemoModule, demoEntry } from '../../src/cli/demo-command.js';

test('the demo module has what the CLI calls (a type error here if it drifts)', () => {
  const mod: DemoModule = demoServer;
  assert.equal(typeof mod.startDemo, 'function');
});

test('built, the CLI loads dist/demo/server.js beside dist/cli', () => {
  assert.equal(demoEntry('file:///pkg/dist/cli/demo-command.js').href, 'file:///pkg/dist/demo/server.js');
});

test('from source, the CLI loads demo/server.ts at the top of the repository, which exists', () => {
  const entry = demoEntry(new URL('../../src/cli/demo-command.ts', import.meta.url).href);
  assert.equal(entry.href, new URL('../../demo/server.ts', import.meta.url).href);
  assert.ok(existsSync(fileURLToPath(entry)));
});
