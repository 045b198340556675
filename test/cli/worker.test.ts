/**
 * `openid2 worker` as a child process against this package's Provider over
 * HTTP on 127.0.0.1: usage, --once, --watch with a graceful SIGTERM, and
 * crash safety (SIGKILL mid-batch, restart, every endpoint associated).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AssociationQueue } from '../../src/background/queue.js';
import '../../src/cli/commands.js';
import { runCli } from '../../src/cli/run.js';
import { openQueue, openStore } from '../../src/drivers/open.js';
import type { OpenIDStore } from '../../src/stores/store.js';
import { type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import { REDIS_URL, serviceSkip, tempMysql, tempPostgres, tempRedisPrefix } from '../helpers/services.js';
import { startWorkerProcess } from '../helpers/worker-process.js';

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'worker', ...args],
      { encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Distinct OP endpoints on one provider: the query string makes each its own store and queue key. */
const endpoints = (op: ProviderServer, n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => `${op.endpoint}?${tag}=${i}`);

describe('openid2 worker: usage', () => {
  test('--help prints the options and exits 0', async () => {
    const r = await cli('--help');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--once/);
    assert.match(r.stdout, /--watch/);
  });

  test('usage mistakes exit 2 with the reason', async () => {
    for (const [args, reason] of [
      [['--once', '--watch'], /not both/],
      [['--bogus'], /unknown option --bogus/],
      [['--store', 'memory:'], /one process/],
      [['--store', 'file:/tmp/x'], /--queue is needed/],
      [['--batch', '0'], /positive whole number/],
    ] as const) {
      const r = await cli(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, reason);
    }
  });
});

describe('openid2 worker: unreachable store', () => {
  test('--once exits 1 with a worker_error line, and the password never appears', async () => {
    const r = await cli('--once', '--store', 'postgres://app:hunter2@127.0.0.1:1/app');
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const lines = jsonLines(r.stdout);
    assert.ok(lines.some((l) => l['event'] === 'worker_error'));
    assert.doesNotMatch(r.stdout + r.stderr, /hunter2/);
  });
});

describe('openid2 worker against a provider', () => {
  let op: ProviderServer;
  let dir: string;
  before(async () => {
    op = await startProviderServer();
    dir = mkdtempSync(join(tmpdir(), 'openid2-worker-'));
  });
  after(async () => {
    await op.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('--once drains a SQLite queue: one JSON line per endpoint, associations stored, exit 0', async () => {
    const url = `sqlite:${join(dir, 'once.db')}`;
    const queue = await openQueue(url);
    const eps = endpoints(op, 3, 'once');
    for (const e of eps) await queue.push({ opEndpoint: e, version: '2.0' });
    await queue.close?.();
    const before = op.log.filter((m) => m === 'associate').length;

    const r = await cli('--once', '--store', url, '--allow-private-networks');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const lines = jsonLines(r.stdout);
    const associated = lines.filter((l) => l['event'] === 'associated');
    assert.deepEqual(associated.map((l) => l['opEndpoint']).sort(), [...eps].sort());
    for (const l of associated) {
      assert.equal(l['assocType'], 'HMAC-SHA256');
      assert.equal(typeof l['elapsedMs'], 'number');
      assert.equal(typeof l['time'], 'string');
    }
    assert.equal(lines.at(-1)?.['event'], 'worker_stopped');
    assert.equal(r.stderr, '', 'no status line when stderr is not a terminal');
    // The provider answered exactly those three associate requests.
    assert.equal(op.log.filter((m) => m === 'associate').length - before, 3);

    const store = await openStore(url);
    for (const e of eps) assert.ok(await store.getAssociation(e), `no association for ${e}`);
    await store.close?.();
  });

  test('on a terminal, a status line with the counts goes to stderr; the JSON lines stay on stdout', async () => {
    const url = `sqlite:${join(dir, 'tty.db')}`;
    const queue = await openQueue(url);
    await queue.push({ opEndpoint: `${op.endpoint}?tty=1`, version: '2.0' });
    await queue.close?.();
    let out = '';
    let err = '';
    const code = await runCli(['worker', '--once', '--store', url, '--allow-private-networks'], {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t), isTTY: true },
      env: {},
    });
    assert.equal(code, 0, err + out);
    assert.match(err, /associated 1, skipped 0, failed 0/);
    assert.doesNotMatch(out, /associated 1,/);
    assert.equal(jsonLines(out).filter((l) => l['event'] === 'associated').length, 1);
  });

  test('--once exits 1 when an endpoint fails, and the entry stays queued for a later try', async () => {
    const url = `sqlite:${join(dir, 'fail.db')}`;
    const queue = await openQueue(url, { leaseMs: 100 });
    await queue.push({ opEndpoint: 'http://127.0.0.1:9/op', version: '2.0' });
    const r = await cli('--once', '--store', url, '--allow-private-networks', '--lease-ms', '100');
    assert.equal(r.code, 1, r.stderr + r.stdout);
    const failed = jsonLines(r.stdout).filter((l) => l['event'] === 'associate_failed');
    assert.equal(failed.length, 1);
    assert.equal(typeof failed[0]?.['code'], 'string');
    await new Promise((res) => setTimeout(res, 200));
    const again = await queue.take(5);
    assert.deepEqual(
      again.map((e) => e.opEndpoint),
      ['http://127.0.0.1:9/op'],
    );
    await queue.close?.();
  });

  test('SIGTERM in --watch finishes the endpoint in hand, gives the rest back at once, exits 0', async () => {
    const url = `sqlite:${join(dir, 'term.db')}`;
    const queue = await openQueue(url);
    const eps = endpoints(op, 4, 'term');
    for (const e of eps) await queue.push({ opEndpoint: e, version: '2.0' });
    op.associateDelayMs = 700;
    const w = startWorkerProcess(['--watch', '--store', url, '--allow-private-networks']);
    try {
      await w.waitFor((l) => l['event'] === 'associated');
      // The second endpoint is now in hand (its associate takes 700 ms).
      await new Promise((res) => setTimeout(res, 200));
      w.child.kill('SIGTERM');
      const { code } = await w.exited;
      assert.equal(code, 0, w.stderr());
      assert.equal(w.count('stopping'), 1);
      assert.equal(w.count('associated'), 2, JSON.stringify(w.lines));
      const released = w.lines.find((l) => l['event'] === 'released');
      assert.equal(released?.['count'], 2);
      // Given back, not merely leased: another worker takes them now, without waiting a lease.
      const rest = await queue.take(10);
      assert.equal(rest.length, 2);
      const store = await openStore(url);
      for (const e of rest) assert.equal(await store.getAssociation(e.opEndpoint), null);
      await store.close?.();
    } finally {
      op.associateDelayMs = 0;
      w.child.kill('SIGKILL');
      await queue.close?.();
    }
  });
});

interface Backend {
  name: string;
  skip?: () => Promise<string | false>;
  make(dir: string): Promise<{
    args: string[];
    store: () => Promise<OpenIDStore>;
    queue: () => Promise<AssociationQueue>;
    drop(): Promise<void>;
  }>;
}

const backends: Backend[] = [
  {
    name: 'file',
    async make(dir) {
      const storeUrl = `file:${join(dir, 'store')}`;
      const queueUrl = `file:${join(dir, 'queue')}`;
      return {
        args: ['--store', storeUrl, '--queue', queueUrl],
        store: () => openStore(storeUrl),
        queue: () => openQueue(queueUrl),
        drop: async () => {},
      };
    },
  },
  {
    name: 'postgres',
    skip: () => serviceSkip('postgres'),
    async make() {
      const db = await tempPostgres();
      return {
        args: ['--store', db.url],
        store: () => openStore(db.url),
        queue: () => openQueue(db.url),
        drop: db.drop,
      };
    },
  },
  {
    name: 'mysql',
    skip: () => serviceSkip('mysql'),
    async make() {
      const db = await tempMysql();
      return {
        args: ['--store', db.url],
        store: () => openStore(db.url),
        queue: () => openQueue(db.url),
        drop: db.drop,
      };
    },
  },
  {
    name: 'redis',
    skip: () => serviceSkip('redis'),
    async make() {
      const p = await tempRedisPrefix();
      return {
        args: ['--store', REDIS_URL, '--key-prefix', p.prefix],
        store: () => openStore(REDIS_URL, { keyPrefix: p.prefix }),
        queue: () => openQueue(REDIS_URL, { keyPrefix: p.prefix }),
        drop: p.drop,
      };
    },
  },
];

describe('openid2 worker: crash safety (SIGKILL mid-batch, restart, none lost)', () => {
  let op: ProviderServer;
  let dir: string;
  before(async () => {
    op = await startProviderServer();
    op.associateDelayMs = 300;
    dir = mkdtempSync(join(tmpdir(), 'openid2-crash-'));
  });
  after(async () => {
    await op.close();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const b of backends) {
    test(`${b.name} queue`, async (t) => {
      const skip = b.skip ? await b.skip() : false;
      if (skip) return t.skip(skip);
      const env = await b.make(mkdtempSync(join(dir, `${b.name}-`)));
      const store = await env.store();
      const queue = await env.queue();
      const eps = endpoints(op, 8, b.name);
      try {
        for (const e of eps) await queue.push({ opEndpoint: e, version: '2.0' });
        // A short lease so the restarted worker gets the killed one's entries back soon.
        const args = [
          '--watch',
          '--allow-private-networks',
          '--lease-ms',
          '1500',
          '--batch',
          '10',
          ...env.args,
        ];
        const first = startWorkerProcess(args);
        await first.waitFor((l) => l['event'] === 'associated');
        await first.waitFor((l) => l['event'] === 'associated' && first.count('associated') >= 2);
        first.child.kill('SIGKILL');
        await first.exited;
        const doneBeforeKill = first.count('associated');
        assert.ok(doneBeforeKill < eps.length, 'the kill must land mid-batch');
        let held = 0;
        for (const e of eps) if (await store.getAssociation(e)) held++;
        assert.ok(held < eps.length, 'some endpoints are still waiting after the kill');

        const second = startWorkerProcess(args);
        try {
          const deadline = Date.now() + 40_000;
          for (;;) {
            const missing: string[] = [];
            for (const e of eps) if (!(await store.getAssociation(e))) missing.push(e);
            if (missing.length === 0) break;
            if (Date.now() > deadline)
              assert.fail(
                `never associated after restart: ${missing.join(', ')}\n${JSON.stringify(second.lines)}`,
              );
            await new Promise((r) => setTimeout(r, 200));
          }
          second.child.kill('SIGTERM');
          assert.equal((await second.exited).code, 0, second.stderr());
        } finally {
          second.child.kill('SIGKILL');
        }
        // Nothing left behind: every entry was acked.
        assert.deepEqual(await queue.take(20), []);
      } finally {
        await queue.close?.();
        await store.close?.();
        await env.drop();
      }
    });
  }
});
