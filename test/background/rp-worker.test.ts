/**
 * The relying party's side of background associations against this
 * package's Provider over HTTP: at most one queue entry per endpoint per
 * minute from one process, and a full round with a worker *process* sharing
 * a SQLite store and queue with the relying party.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { QueuedEndpoint } from '../../src/background/queue.js';
import { SQLiteQueue, SQLiteStore } from '../../src/drivers/sqlite.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';

let a: ProviderServer;
let b: ProviderServer;
before(async () => {
  a = await startProviderServer();
  b = await startProviderServer();
});
after(async () => {
  await a.close();
  await b.close();
});

/** A queue that records pushes (and can be told to fail). */
class RecordingQueue {
  pushed: QueuedEndpoint[] = [];
  failNext = 0;
  async push(e: QueuedEndpoint): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('queue down');
    }
    this.pushed.push(e);
  }
}

describe('one queue entry per endpoint per minute from one process', () => {
  test('20 logins in the same minute queue the endpoint once; after a minute it is queued again', async () => {
    let clock = 1_700_000_000;
    const queue = new RecordingQueue();
    const rp = new RelyingParty({
      realm: 'http://rp.example/',
      returnTo: 'http://rp.example/return',
      secret: 'q'.repeat(40),
      store: new MemoryStore(),
      associations: 'background',
      queue,
      now: () => clock,
      fetch: { allowPrivateNetworks: true },
    });
    for (let i = 0; i < 20; i++) {
      const auth = await rp.begin(`${a.base}/id/alice`);
      assert.equal(auth.usesAssociation, false);
    }
    assert.deepEqual(
      queue.pushed.map((e) => e.opEndpoint),
      [a.endpoint],
    );
    assert.equal(queue.pushed[0]?.version, '2.0');
    assert.ok(queue.pushed[0]?.types?.includes('http://specs.openid.net/auth/2.0/signon'));

    // Another provider is its own endpoint: queued once too.
    await rp.begin(`${b.base}/id/bob`);
    await rp.begin(`${b.base}/id/bob`);
    assert.deepEqual(
      queue.pushed.map((e) => e.opEndpoint),
      [a.endpoint, b.endpoint],
    );

    clock += 59;
    await rp.begin(`${a.base}/id/alice`);
    assert.equal(queue.pushed.length, 2, 'queued again within the minute');
    clock += 2;
    await rp.begin(`${a.base}/id/alice`);
    await rp.begin(`${a.base}/id/alice`);
    assert.deepEqual(
      queue.pushed.map((e) => e.opEndpoint),
      [a.endpoint, b.endpoint, a.endpoint],
    );
  });

  test('a push that fails does not count: the next login queues the endpoint', async () => {
    const queue = new RecordingQueue();
    queue.failNext = 1;
    const rp = new RelyingParty({
      realm: 'http://rp.example/',
      returnTo: 'http://rp.example/return',
      secret: 'q'.repeat(40),
      store: new MemoryStore(),
      associations: 'background',
      queue,
      fetch: { allowPrivateNetworks: true },
    });
    const first = await rp.begin(`${a.base}/id/alice`);
    assert.equal(first.usesAssociation, false, 'a queue that is down never fails a login');
    assert.equal(queue.pushed.length, 0);
    await rp.begin(`${a.base}/id/alice`);
    assert.deepEqual(
      queue.pushed.map((e) => e.opEndpoint),
      [a.endpoint],
    );
  });
});

function workerOnce(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'worker', '--once', ...args],
      { encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

describe('relying party and worker process sharing a SQLite store and queue', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'openid2-rpw-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('first login stateless, the worker associates, the next login uses the association (no check_authentication)', async () => {
    const path = join(dir, 'shared.db');
    const store = new SQLiteStore({ path });
    const queue = new SQLiteQueue({ path });
    const rp = new RelyingParty({
      realm: 'http://rp.example/',
      returnTo: 'http://rp.example/return',
      secret: 'w'.repeat(40),
      store,
      associations: 'background',
      queue,
      fetch: { allowPrivateNetworks: true },
    });
    const login = async () => {
      const auth = await rp.begin(`${a.base}/id/alice`);
      const back = await browse(auth.redirectUrl);
      const result = await rp.complete(back.url, {
        state: auth.state,
        ...(back.body ? { body: back.body } : {}),
      });
      return { auth, result };
    };
    try {
      const start = a.log.length;
      const first = await login();
      assert.equal(first.auth.usesAssociation, false);
      assert.equal(first.result.status, 'success', JSON.stringify(first.result));
      assert.deepEqual(a.log.slice(start), ['checkid_setup', 'check_authentication']);

      const w = await workerOnce('--store', `sqlite:${path}`, '--allow-private-networks');
      assert.equal(w.code, 0, w.stderr + w.stdout);
      assert.deepEqual(a.log.slice(start + 2), ['associate']);

      const mark = a.log.length;
      const second = await login();
      assert.equal(second.auth.usesAssociation, true);
      assert.equal(second.result.status, 'success', JSON.stringify(second.result));
      assert.equal((second.result as { verifiedBy?: string }).verifiedBy, 'association');
      // From the provider's side: only the checkid request, no check_authentication.
      assert.deepEqual(a.log.slice(mark), ['checkid_setup']);
    } finally {
      await queue.close();
      await store.close();
    }
  });
});
