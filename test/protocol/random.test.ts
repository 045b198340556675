import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { randomBytesPooled } from '../../src/protocol/random.js';

describe('randomBytesPooled', () => {
  test('gives the length asked for, across pool refills and above the pooled size', () => {
    for (const n of [0, 1, 9, 32, 1000, 1024, 1025, 5000]) assert.equal(randomBytesPooled(n).length, n);
  });

  test('never hands out the same bytes twice (no pool reuse across refills)', () => {
    const seen = new Set<string>();
    // 3,000 x 16 bytes spans about a dozen refills of the 4 KiB pool.
    for (let i = 0; i < 3000; i++) {
      const hex = randomBytesPooled(16).toString('hex');
      assert.ok(!seen.has(hex), 'a 128-bit value repeated');
      seen.add(hex);
    }
  });

  test('returns a copy: a later refill does not change bytes already handed out', () => {
    const kept = randomBytesPooled(32);
    const before = Buffer.from(kept);
    for (let i = 0; i < 1000; i++) randomBytesPooled(32);
    assert.deepEqual(kept, before);
  });

  test('bytes are not constant (all-zero output would mean an unfilled pool)', () => {
    const b = randomBytesPooled(64);
    assert.ok(b.some((x) => x !== 0));
    assert.ok(new Set(b).size > 16);
  });

  test('refuses a negative or fractional length', () => {
    assert.throws(() => randomBytesPooled(-1), RangeError);
    assert.throws(() => randomBytesPooled(1.5), RangeError);
  });
});
