/**
 * The MemoryStore's nonce table (issue 25, item 5): fingerprints in typed
 * arrays, insertion-ordered eviction, backward-shift deletion. Checked
 * against a plain Set and Map as the reference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryStore } from '../../src/stores/memory.js';
import { NonceTable } from '../../src/stores/nonce-table.js';

const URL1 = 'https://op.example/openid';

describe('NonceTable', () => {
  it('says a nonce is new once, for each of server URL, timestamp and salt', () => {
    const t = new NonceTable(100);
    assert.equal(t.add(URL1, 1000, 'a'), true);
    assert.equal(t.add(URL1, 1000, 'a'), false);
    assert.equal(t.add(URL1, 1001, 'a'), true);
    assert.equal(t.add(URL1, 1000, 'b'), true);
    assert.equal(t.add('https://other.example/', 1000, 'a'), true);
    // Parts cannot run into each other.
    assert.equal(t.add('https://x.example/a', 5, 'b'), true);
    assert.equal(t.add('https://x.example/', 5, 'ab'), true);
    assert.equal(t.size, 6);
  });

  it('matches a Set through growth, evictions of the oldest and sweeps (10,000 random operations)', () => {
    const t = new NonceTable(500);
    const ref = new Map<string, number>(); // insertion-ordered, as the table's ring
    let seed = 12345;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 10_000; i++) {
      const ts = 1000 + rand(50);
      const salt = `s${rand(800)}`;
      const key = `${ts}|${salt}`;
      assert.equal(t.add(URL1, ts, salt), !ref.has(key), `step ${i}`);
      if (!ref.has(key)) ref.set(key, ts);
      while (t.size > 500) {
        t.evictOldest();
        ref.delete(ref.keys().next().value as string);
      }
      if (i % 2500 === 2499) {
        const cutoff = 1000 + rand(50);
        let gone = 0;
        for (const [k, v] of ref) {
          if (v < cutoff) {
            ref.delete(k);
            gone++;
          }
        }
        assert.equal(t.removeOlderThan(cutoff), gone);
      }
      assert.equal(t.size, ref.size);
    }
    for (const k of ref.keys()) {
      const [ts, salt] = k.split('|') as [string, string];
      assert.equal(t.add(URL1, Number(ts), salt), false, k);
    }
  });
});

describe('MemoryStore nonces on the table', () => {
  it('at the bound, drops a nonce outside the window before one inside it', async () => {
    let now = 100_000;
    const store = new MemoryStore({ maxNonces: 3, now: () => now, nonceSkewSeconds: 300 });
    // Oldest stored is inside the window; the second is far outside it.
    assert.equal(await store.useNonce(URL1, now, 'inside-1'), true);
    assert.equal(await store.useNonce(URL1, now - 100_000, 'outside'), true);
    assert.equal(await store.useNonce(URL1, now, 'inside-2'), true);
    now += 1;
    assert.equal(await store.useNonce(URL1, now, 'inside-3'), true);
    // The sweep took the one outside the window: the oldest inside one is still refused.
    assert.equal(await store.useNonce(URL1, 100_000, 'inside-1'), false);
    assert.equal(await store.useNonce(URL1, 100_000, 'inside-2'), false);
  });
});
