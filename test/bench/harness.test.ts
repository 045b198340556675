/**
 * The benchmarks must not rot: the harness measures, `npm run bench` runs a
 * suite end to end with tiny budgets, and the node-openid rows really verify
 * (a tampered assertion is refused). No test here looks at a time.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bench, formatTable, skipped } from '../../bench/harness.js';
import { NODE_OPENID_V2, NodeOpenId } from '../../bench/node-openid.js';
import {
  CLAIMED_ID,
  makeAssertions,
  makeProvider,
  makeRelyingParty,
  OP_ENDPOINT,
  returnToOf,
} from '../../bench/world.js';
import { MemoryStore } from '../../src/stores/memory.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('bench harness', () => {
  test('bench() runs the operation, bounded by maxIterations, and reports its figures', async () => {
    let calls = 0;
    const r = await bench('g', 'n', () => void calls++, { timeMs: 10_000, warmup: 3, maxIterations: 40 });
    assert.equal(r.iterations, 40);
    assert.equal(calls, 43);
    assert.ok(Number.isFinite(r.medianMs) && r.medianMs >= 0);
    assert.ok(r.p99Ms >= r.medianMs);
    assert.ok(r.opsPerSec > 0);
  });

  test('with concurrency, every concurrent call is counted', async () => {
    let calls = 0;
    const r = await bench('g', 'n', async () => void calls++, {
      warmup: 0,
      maxIterations: 16,
      concurrency: 8,
    });
    assert.equal(r.iterations, 16);
    assert.equal(calls, 16);
  });

  test('the table lists every row, and a skipped row says why', async () => {
    const r = await bench('grp', 'fast op', () => 1, { warmup: 0, maxIterations: 5 });
    const table = formatTable([r, skipped('grp', 'needs a server', 'postgres is not answering')]);
    assert.match(table, /fast op/);
    assert.match(table, /needs a server .* skipped=postgres is not answering/);
  });

  test('npm run bench runs a suite end to end and writes the results file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-bench-test-'));
    try {
      const results = join(dir, 'results.json');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'bench/run.ts', '--quick', 'discovery'],
        { cwd: root, env: { ...process.env, BENCH_MS: '20', BENCH_RESULTS: results }, timeout: 60_000 },
      );
      assert.match(stdout, /XRDS identity document -> endpoints/);
      const json = JSON.parse(readFileSync(results, 'utf8')) as {
        quick: boolean;
        results: { name: string; iterations: number }[];
      };
      assert.equal(json.quick, true);
      assert.deepEqual(
        json.results.map((r) => r.name),
        ['XRDS identity document -> endpoints', 'HTML identity page -> endpoints'],
      );
      for (const r of json.results) assert.ok(r.iterations > 0, r.name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('node-openid side of the comparison', () => {
  test('accepts a valid assertion of our provider once, and refuses a replay and a forged signature', async () => {
    const op = makeProvider();
    const store = new MemoryStore();
    const auth = await makeRelyingParty(op, store).begin(CLAIMED_ID);
    const association = await store.getAssociation(OP_ENDPOINT);
    assert.ok(association);
    const [good, other] = await makeAssertions(op, auth.redirectUrl, 2);
    const provider = { endpoint: OP_ENDPOINT, version: NODE_OPENID_V2, claimedIdentifier: CLAIMED_ID };
    const theirs = new NodeOpenId();
    theirs.holdAssociation(provider, association.handle, association.secret, 'sha256');
    theirs.holdDiscovery(CLAIMED_ID, provider);
    assert.equal(await theirs.verify(good as string, returnToOf(good as string)), true);
    assert.equal(await theirs.verify(good as string, returnToOf(good as string)), false, 'a replayed nonce');
    const forged = new URL(other as string);
    const sig = forged.searchParams.get('openid.sig') as string;
    forged.searchParams.set('openid.sig', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`);
    assert.equal(
      await theirs.verify(forged.toString(), returnToOf(forged.toString())),
      false,
      'a forged signature',
    );
  });
});
