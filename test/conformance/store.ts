/**
 * The store contract (DESIGN.md §4) as one suite every store runs unchanged.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Association } from '../../src/protocol/association.js';
import { StoreError } from '../../src/protocol/errors.js';
import type { OpenIDStore } from '../../src/stores/store.js';

/** A settable clock shared by the suite and the store under test. */
export class TestClock {
  t = 1_800_000_000;
  now = (): number => this.t;
}

export interface StoreUnderTest {
  store: OpenIDStore;
  /** A URL `openStore()` understands, for the multi-process test (omit for in-process stores). */
  url?: string;
  cleanup?(): Promise<void>;
}

const assoc = (
  handle: string,
  issued: number,
  lifetime = 600,
  type: 'HMAC-SHA1' | 'HMAC-SHA256' = 'HMAC-SHA256',
) =>
  new Association({
    handle,
    secret: randomBytes(type === 'HMAC-SHA1' ? 20 : 32),
    issued,
    lifetime,
    assocType: type,
  });

const worker = fileURLToPath(new URL('./nonce-worker.ts', import.meta.url));

function runWorker(url: string, ts: number, salt: string, n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', worker, url, String(ts), salt, String(n)],
      { timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${err.message}\n${stderr}`));
        else resolve(Number(stdout.trim()));
      },
    );
  });
}

/** Register the conformance suite for one store. `make` gets the suite's clock. */
export function storeConformance(
  name: string,
  make: (clock: TestClock) => Promise<StoreUnderTest>,
  options: { skip?: string | false | (() => Promise<string | false>) } = {},
): void {
  describe(`store contract: ${name}`, async () => {
    const skip = typeof options.skip === 'function' ? await options.skip() : (options.skip ?? false);
    const clock = new TestClock();
    let s: StoreUnderTest;
    before(async () => {
      if (!skip) s = await make(clock);
    });
    after(async () => {
      if (!skip) {
        await s.store.close?.();
        await s.cleanup?.();
      }
    });
    const t = (title: string, fn: () => Promise<void>) => test(title, { skip }, fn);
    const url = () => `https://op-${randomBytes(4).toString('hex')}.example/server`;

    t('stores an association and gets it back by handle', async () => {
      const u = url();
      const a = assoc('h1', clock.t, 600, 'HMAC-SHA1');
      await s.store.storeAssociation(u, a);
      const got = await s.store.getAssociation(u, 'h1');
      assert.ok(got?.equals(a));
      assert.equal(await s.store.getAssociation(u, 'nope'), null);
      assert.equal(await s.store.getAssociation(url(), 'h1'), null);
    });

    t('without a handle gets the newest valid association', async () => {
      const u = url();
      await s.store.storeAssociation(u, assoc('old', clock.t - 100));
      await s.store.storeAssociation(u, assoc('new', clock.t - 10));
      await s.store.storeAssociation(u, assoc('expired-newest', clock.t - 5, 1));
      assert.equal((await s.store.getAssociation(u))?.handle, 'new');
    });

    t('never returns an expired association', async () => {
      const u = url();
      await s.store.storeAssociation(u, assoc('short', clock.t, 30));
      assert.equal((await s.store.getAssociation(u, 'short'))?.handle, 'short');
      clock.t += 31;
      assert.equal(await s.store.getAssociation(u, 'short'), null);
      assert.equal(await s.store.getAssociation(u), null);
    });

    t('remove says whether it removed', async () => {
      const u = url();
      await s.store.storeAssociation(u, assoc('r', clock.t));
      assert.equal(await s.store.removeAssociation(u, 'r'), true);
      assert.equal(await s.store.removeAssociation(u, 'r'), false);
      assert.equal(await s.store.getAssociation(u, 'r'), null);
    });

    t('keeps the same handle under two server URLs apart', async () => {
      const [u1, u2] = [url(), url()];
      const a1 = assoc('same', clock.t);
      const a2 = assoc('same', clock.t);
      await s.store.storeAssociation(u1, a1);
      await s.store.storeAssociation(u2, a2);
      assert.ok((await s.store.getAssociation(u1, 'same'))?.equals(a1));
      assert.ok((await s.store.getAssociation(u2, 'same'))?.equals(a2));
      await s.store.removeAssociation(u1, 'same');
      assert.ok((await s.store.getAssociation(u2, 'same'))?.equals(a2));
    });

    t('cleanup removes and counts only expired associations', async () => {
      await s.store.cleanupAssociations();
      const u = url();
      await s.store.storeAssociation(u, assoc('dies', clock.t, 10));
      await s.store.storeAssociation(u, assoc('lives', clock.t, 10_000));
      clock.t += 11;
      assert.equal(await s.store.cleanupAssociations(), 1);
      assert.equal((await s.store.getAssociation(u, 'lives'))?.handle, 'lives');
      assert.equal(await s.store.cleanupAssociations(), 0);
    });

    t('useNonce is true exactly once per (server URL, timestamp, salt)', async () => {
      const u = url();
      assert.equal(await s.store.useNonce(u, clock.t, 'salt1'), true);
      assert.equal(await s.store.useNonce(u, clock.t, 'salt1'), false);
      assert.equal(await s.store.useNonce(u, clock.t, 'salt2'), true);
      assert.equal(await s.store.useNonce(u, clock.t - 1, 'salt1'), true);
      assert.equal(await s.store.useNonce(url(), clock.t, 'salt1'), true);
    });

    // One window, the relying party's: it refuses a nonce outside it as
    // nonce_skew before asking the store, so the store never calls an old
    // nonce a replay; it only says whether it has seen it.
    t("useNonce takes a nonce of any age exactly once: the window is the caller's", async () => {
      const u = url();
      assert.equal(await s.store.useNonce(u, clock.t - 7 * 3600, 'old'), true);
      assert.equal(await s.store.useNonce(u, clock.t - 7 * 3600, 'old'), false);
      assert.equal(await s.store.useNonce(u, clock.t + 7 * 3600, 'future'), true);
      assert.equal(await s.store.useNonce(u, clock.t + 7 * 3600, 'future'), false);
    });

    t('cleanup removes and counts only nonces older than the window plus the one-hour margin', async () => {
      await s.store.cleanupNonces();
      const u = url();
      await s.store.useNonce(u, clock.t - 5 * 3600 - 3600 + 10, 'soon-old');
      await s.store.useNonce(u, clock.t - 5 * 3600 + 10, 'inside-margin');
      await s.store.useNonce(u, clock.t, 'fresh');
      clock.t += 20;
      const removed = await s.store.cleanupNonces();
      // Redis expires nonces by TTL and reports 0; every other store counts exactly one.
      assert.ok(removed === 1 || (name === 'redis' && removed === 0), `removed ${removed}`);
      assert.equal(await s.store.useNonce(u, clock.t - 20, 'fresh'), false);
      assert.equal(await s.store.useNonce(u, clock.t - 20 - 5 * 3600 + 10, 'inside-margin'), false);
    });

    t('200 concurrent useNonce calls with the same nonce: exactly one true', async () => {
      const u = url();
      const results = await Promise.all(
        Array.from({ length: 200 }, () => s.store.useNonce(u, clock.t, 'race')),
      );
      assert.equal(results.filter(Boolean).length, 1);
    });

    t('bad input gives StoreError or a correct answer, never corrupting other entries', async () => {
      const u = url();
      const keep = assoc('keep', clock.t);
      await s.store.storeAssociation(u, keep);
      await assert.rejects(() => s.store.useNonce('', clock.t, 'x'), StoreError);
      await assert.rejects(() => s.store.getAssociation(''), StoreError);
      const big = 's'.repeat(10_000);
      assert.equal(await s.store.useNonce(u, clock.t, big), true);
      assert.equal(await s.store.useNonce(u, clock.t, big), false);
      assert.equal(await s.store.getAssociation(u, 'bad\nhandle\0'), null);
      assert.equal(await s.store.removeAssociation(u, 'bad\nhandle\0'), false);
      assert.ok((await s.store.getAssociation(u, 'keep'))?.equals(keep));
    });

    test('4 processes x 50 concurrent useNonce on one shared store: exactly one true', {
      skip,
    }, async (ctx) => {
      if (!s.url) {
        ctx.skip('in-process store: the 200-call concurrent test above covers it');
        return;
      }
      const ts = Math.floor(Date.now() / 1000);
      const salt = randomBytes(6).toString('hex');
      const counts = await Promise.all([0, 1, 2, 3].map(() => runWorker(s.url as string, ts, salt, 50)));
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        1,
        `per process: ${counts.join(',')}`,
      );
    });
  });
}
