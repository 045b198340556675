import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DiscoveryCache } from '../../src/discovery/cache.js';
import { discover } from '../../src/discovery/discover.js';
import type { Fetcher } from '../../src/discovery/fetcher.js';
import { page } from './helpers/identity-server.js';

describe('discover: injected fetcher and cache', () => {
  function countingFetcher(): { fetcher: Fetcher; calls: string[] } {
    const calls: string[] = [];
    const fetcher: Fetcher = async (target) => {
      calls.push(target);
      const body = new TextEncoder().encode(
        page(`<link rel="openid2.provider" href="https://op.example/for?u=${encodeURIComponent(target)}">`),
      );
      return {
        url: target,
        status: 200,
        headers: new Headers({ 'content-type': 'text/html' }),
        body,
        text: () => new TextDecoder().decode(body),
      };
    };
    return { fetcher, calls };
  }

  test('uses the injected fetcher and no network', async () => {
    const { fetcher, calls } = countingFetcher();
    const result = await discover('alice.example', { fetcher });
    assert.deepEqual(calls, ['http://alice.example/']);
    assert.equal(result.claimedId, 'http://alice.example/');
  });

  test('serves a repeat discovery from the cache', async () => {
    const { fetcher, calls } = countingFetcher();
    const cache = new DiscoveryCache();
    const first = await discover('alice.example', { fetcher, cache });
    const second = await discover('HTTP://ALICE.example:80/#frag', { fetcher, cache });
    assert.equal(calls.length, 1);
    assert.equal(second, first);
  });

  test("never answers one identifier with another's result (DV-11)", async () => {
    const { fetcher, calls } = countingFetcher();
    const cache = new DiscoveryCache();
    const alice = await discover('https://id.example/alice', { fetcher, cache });
    const bob = await discover('https://id.example/bob', { fetcher, cache });
    const aliceHttp = await discover('http://id.example/alice', { fetcher, cache });
    assert.equal(calls.length, 3);
    assert.equal(alice.claimedId, 'https://id.example/alice');
    assert.equal(bob.claimedId, 'https://id.example/bob');
    assert.equal(aliceHttp.claimedId, 'http://id.example/alice');
    assert.match(bob.endpoints[0]!.opEndpoint, /bob/);
  });

  test('expires entries after ttlMs', async () => {
    const { fetcher, calls } = countingFetcher();
    let now = 1_000_000;
    const cache = new DiscoveryCache({ ttlMs: 60_000, now: () => now });
    await discover('alice.example', { fetcher, cache });
    now += 59_999;
    await discover('alice.example', { fetcher, cache });
    assert.equal(calls.length, 1);
    now += 1;
    await discover('alice.example', { fetcher, cache });
    assert.equal(calls.length, 2);
  });

  test('keeps at most maxEntries, dropping the least recently used', async () => {
    const { fetcher, calls } = countingFetcher();
    const cache = new DiscoveryCache({ maxEntries: 2 });
    await discover('a.example', { fetcher, cache });
    await discover('b.example', { fetcher, cache });
    await discover('a.example', { fetcher, cache }); // a is now the most recent
    await discover('c.example', { fetcher, cache }); // evicts b
    assert.equal(cache.size, 2);
    await discover('a.example', { fetcher, cache });
    assert.equal(calls.length, 3);
    await discover('b.example', { fetcher, cache });
    assert.equal(calls.length, 4);
  });

  test('hands out frozen results, so no caller can poison the next', async () => {
    const { fetcher } = countingFetcher();
    const cache = new DiscoveryCache();
    const result = await discover('alice.example', { fetcher, cache });
    assert.throws(() => {
      (result.endpoints as unknown as unknown[]).push({});
    }, TypeError);
    assert.throws(() => {
      (result.endpoints[0] as { opEndpoint: string }).opEndpoint = 'https://evil.example/';
    }, TypeError);
  });

  test('delete() forces a fresh discovery', async () => {
    const { fetcher, calls } = countingFetcher();
    const cache = new DiscoveryCache();
    const { normalizedInput } = await discover('alice.example', { fetcher, cache });
    assert.ok(cache.delete(normalizedInput));
    await discover('alice.example', { fetcher, cache });
    assert.equal(calls.length, 2);
  });

  test('does not cache failures', async () => {
    const cache = new DiscoveryCache();
    const empty = new TextEncoder().encode(page(''));
    const fetcher: Fetcher = async (target) => ({
      url: target,
      status: 200,
      headers: new Headers({ 'content-type': 'text/html' }),
      body: empty,
      text: () => new TextDecoder().decode(empty),
    });
    await assert.rejects(discover('nobody.example', { fetcher, cache }), { name: 'DiscoveryError' });
    assert.equal(cache.size, 0);
  });
});
