/** The association queue contract as one suite every queue runs. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AssociationQueue } from '../../src/background/queue.js';

export interface QueueUnderTest {
  queue: AssociationQueue;
  /** A second consumer on the same queue whose leases last `leaseMs` (for re-delivery). */
  reopen(leaseMs: number): Promise<AssociationQueue>;
  cleanup?(): Promise<void>;
}

let n = 0;
const ep = () => ({ opEndpoint: `https://op${++n}.example/server`, version: '2.0' as const });

export function queueConformance(
  name: string,
  make: () => Promise<QueueUnderTest>,
  options: { skip?: () => Promise<string | false> } = {},
): void {
  describe(`queue contract: ${name}`, async () => {
    const skip = options.skip ? await options.skip() : false;
    let q: QueueUnderTest;
    before(async () => {
      if (!skip) q = await make();
    });
    after(async () => {
      if (!skip) {
        await q.queue.close?.();
        await q.cleanup?.();
      }
    });
    const t = (title: string, fn: () => Promise<void>) => test(title, { skip }, fn);

    t('push, take and ack an entry', async () => {
      const e = ep();
      await q.queue.push(e);
      const got = await q.queue.take(10);
      assert.ok(got.some((g) => g.opEndpoint === e.opEndpoint && g.version === '2.0'));
      await q.queue.ack(got);
      assert.deepEqual(await q.queue.take(10), []);
    });

    t('take respects max', async () => {
      for (let i = 0; i < 5; i++) await q.queue.push(ep());
      const first = await q.queue.take(2);
      assert.equal(first.length, 2);
      const rest = await q.queue.take(10);
      assert.equal(rest.length, 3);
      await q.queue.ack([...first, ...rest]);
    });

    t('take waits for an entry pushed during the wait', async () => {
      const e = ep();
      const pending = q.queue.take(1, { waitMs: 5000 });
      setTimeout(() => void q.queue.push(e), 100);
      const got = await pending;
      assert.equal(got[0]?.opEndpoint, e.opEndpoint);
      await q.queue.ack(got);
    });

    t('an entry taken and never acked is handed out again after its lease', async () => {
      const short = await q.reopen(200);
      const e = ep();
      await short.push(e);
      const first = await short.take(1);
      assert.equal(first.length, 1);
      assert.deepEqual(await short.take(1), []);
      await new Promise((r) => setTimeout(r, 400));
      const again = await short.take(1);
      assert.equal(again[0]?.opEndpoint, e.opEndpoint);
      await short.ack(again);
      if (short !== q.queue) await short.close?.();
    });

    t('duplicate pushes are harmless', async () => {
      const e = ep();
      await q.queue.push(e);
      await q.queue.push(e);
      const got = await q.queue.take(10);
      assert.ok(got.filter((g) => g.opEndpoint === e.opEndpoint).length >= 1);
      await q.queue.ack(got);
      assert.deepEqual(await q.queue.take(10), []);
    });

    t('two consumers taking at once never both get the same entry', async () => {
      const other = await q.reopen(60_000);
      const pushed = Array.from({ length: 12 }, ep);
      for (const e of pushed) await q.queue.push(e);
      const [a, b] = await Promise.all([q.queue.take(6), other.take(6)]);
      const seen = [...a, ...b].map((g) => g.opEndpoint);
      assert.equal(new Set(seen).size, seen.length, 'an entry was handed to both consumers');
      const rest = [...(await q.queue.take(20)), ...(await other.take(20))];
      assert.deepEqual(
        [...seen, ...rest.map((g) => g.opEndpoint)].sort(),
        pushed.map((e) => e.opEndpoint).sort(),
      );
      await q.queue.ack([...a, ...rest]);
      await other.ack(b);
      assert.deepEqual(await q.queue.take(20), []);
      if (other !== q.queue) await other.close?.();
    });

    t('an acked entry is never handed out again, even after its lease', async () => {
      const short = await q.reopen(150);
      const e = ep();
      await short.push(e);
      const got = await short.take(5);
      await short.ack(got);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(await short.take(5), []);
      if (short !== q.queue) await short.close?.();
    });

    t('a released entry is handed out again at once', async () => {
      if (!q.queue.release) return; // optional part of the contract: the lease covers it
      const e = ep();
      await q.queue.push(e);
      const got = await q.queue.take(5);
      assert.deepEqual(
        got.map((g) => g.opEndpoint),
        [e.opEndpoint],
      );
      await q.queue.release(got);
      const again = await q.queue.take(5);
      assert.deepEqual(
        again.map((g) => g.opEndpoint),
        [e.opEndpoint],
      );
      await q.queue.ack(again);
    });

    t('keeps the OpenID version and types of an entry', async () => {
      const e = { ...ep(), version: '1.1' as const, types: ['http://openid.net/signon/1.1'] };
      await q.queue.push(e);
      const got = await q.queue.take(5);
      assert.deepEqual(
        got.map(({ id: _id, ...rest }) => rest),
        [e],
      );
      await q.queue.ack(got);
    });

    t('take with a wait returns empty when nothing arrives, and an abort ends the wait early', async () => {
      assert.deepEqual(await q.queue.take(5, { waitMs: 150 }), []);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      assert.deepEqual(await q.queue.take(5, { waitMs: 30_000, signal: controller.signal }), []);
      assert.ok(Date.now() - started < 20_000, 'abort did not end the wait');
    });

    t('refuses entries that are not http(s) endpoints', async () => {
      await assert.rejects(
        () => q.queue.push({ opEndpoint: 'file:///etc/passwd', version: '2.0' }),
        /needs an http\(s\) opEndpoint/,
      );
    });
  });
}
