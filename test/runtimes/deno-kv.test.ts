/** DenoKvStore on a real Deno KV in the real Deno runtime (see deno-kv-checks.ts). */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { build } from 'esbuild';
import { binary, repoRoot, unavailable } from './harness.js';

describe('DenoKvStore in Deno', { skip: unavailable('deno') }, () => {
  test('keeps the store contract; a nonce is accepted once, also under concurrency and across connections', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-denokv-'));
    try {
      const file = join(dir, 'checks.mjs');
      await build({
        entryPoints: [join(repoRoot, 'test/runtimes/deno-kv-checks.ts')],
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        conditions: ['deno', 'import'],
        external: ['node:*'],
        outfile: file,
        logLevel: 'error',
      });
      const db = join(dir, 'kv.sqlite');
      const stdout = await new Promise<string>((resolve, reject) => {
        execFile(
          binary('deno'),
          ['run', '--unstable-kv', `--allow-read=${dir}`, `--allow-write=${dir}`, '--no-prompt', file, db],
          { timeout: 60_000 },
          (err, out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(out)),
        );
      });
      const seen = JSON.parse(stdout.trim().split('\n').at(-1) as string) as Record<string, unknown>;
      const accepted = seen['raceTwoConnectionsAccepted'];
      const failures = seen['raceTwoConnectionsFailures'] as string[];
      // Locked commits are retried within the deadline; one that still fails must be the store's error.
      for (const f of failures) assert.equal(f, 'StoreError:store_unavailable');
      assert.equal(
        accepted,
        failures.length === 60 ? 0 : 1,
        `accepted ${String(accepted)} times across connections`,
      );
      delete seen['raceTwoConnectionsAccepted'];
      delete seen['raceTwoConnectionsFailures'];
      assert.deepEqual(seen, {
        firstUse: true,
        secondUse: false,
        otherSalt: true,
        otherServer: true,
        tooOld: false,
        future: false,
        raceOneConnection: 1,
        crossSequential: [true, false, false],
        byHandle: 'h1',
        newest: 'h2',
        expiredNotStored: null,
        otherServerEmpty: null,
        roundTripSecret: true,
        removeFirst: true,
        removeAgain: false,
        newestAfterRemove: 'h1',
        expiredByClock: null,
        cleanupAssociations: 1,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
