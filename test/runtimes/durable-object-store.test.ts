/** DurableObjectStore and its Durable Object in the real workerd runtime (see do-store-worker.ts). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { freePort } from '../adapters/free-port.js';
import { binary, bundle, unavailable } from './harness.js';

describe('DurableObjectStore in workerd', { skip: unavailable('workerd') }, () => {
  test('keeps the store contract; a nonce offered 100 times at once is accepted once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-do-'));
    const files = await bundle('workerd', 'test/runtimes/do-store-worker.ts', dir);
    const modules = ['app.mjs', ...files.filter((f) => f !== 'app.mjs')]
      .map((f) => `(name = ${JSON.stringify(f)}, esModule = embed ${JSON.stringify(f)})`)
      .join(', ');
    const port = await freePort();
    writeFileSync(
      join(dir, 'config.capnp'),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = (
    modules = [${modules}],
    compatibilityDate = "2026-06-01",
    compatibilityFlags = ["nodejs_compat"],
    bindings = [(name = "STORE", durableObjectNamespace = "OpenIDStoreObject")],
    durableObjectNamespaces = [(className = "OpenIDStoreObject", uniqueKey = "openid2-test-store")],
    durableObjectStorage = (inMemory = void),
  ))],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
`,
    );
    const child = spawn(binary('workerd'), ['serve', join(dir, 'config.capnp')], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d: Buffer) => {
      log += d.toString();
    });
    try {
      let res: Response | undefined;
      const until = Date.now() + 30_000;
      while (res === undefined && Date.now() < until) {
        if (child.exitCode !== null) break;
        res = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
        if (res === undefined) await new Promise((r) => setTimeout(r, 150));
      }
      assert.ok(res, `workerd did not answer:\n${log}`);
      const body = await res.text();
      assert.equal(res.status, 200, `${body}\n${log}`);
      assert.deepEqual(JSON.parse(body), {
        firstUse: true,
        secondUse: false,
        secondUseOtherClient: false,
        otherSalt: true,
        tooOld: false,
        raceAccepted: 1,
        byHandle: 'h1',
        newest: 'h2',
        removeFirst: true,
        removeAgain: false,
        newestAfterRemove: 'h1',
        expiredByClock: null,
        cleanupAssociations: 1,
        cleanupNonces: 3,
      });
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
