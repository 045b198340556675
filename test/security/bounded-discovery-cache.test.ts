/**
 * Class 2 of issue 27, "discovery results bounded": a hostile XRDS listing thousands of URIs
 * keeps only a handful of endpoints, and the discovery cache is bounded by the bytes it
 * holds, not only by its entry count, for XRDS and HTML identity pages alike.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DiscoveryCache, estimateResultBytes } from '../../src/discovery/cache.js';
import { discover } from '../../src/discovery/discover.js';
import {
  discoverEndpointsFromXrds,
  MAX_ENDPOINTS_PER_RESULT,
  MAX_TYPES_PER_ENDPOINT,
} from '../../src/discovery/endpoints.js';
import type { Fetcher, FetchResponse } from '../../src/discovery/fetcher.js';

const SIGNON = 'http://specs.openid.net/auth/2.0/signon';

/** An XRDS whose one service lists `uris` endpoint URIs (the document had 19,990). */
function hugeXrds(uris: number, types = 1): string {
  const typeEls = [SIGNON, ...Array.from({ length: types - 1 }, (_, i) => `urn:x:type:${i}`)]
    .map((t) => `<Type>${t}</Type>`)
    .join('');
  const uriEls = Array.from({ length: uris }, (_, i) => `<URI>https://op${i}.example/server/${i}</URI>`).join(
    '',
  );
  return `<?xml version="1.0"?><xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service>${typeEls}${uriEls}</Service></XRD></xrds:XRDS>`;
}

/** An HTML identity page whose provider and local id URLs are `length` characters long. */
function hugeHtml(n: number, length: number): string {
  const pad = 'p'.repeat(length);
  return `<html><head><link rel="openid2.provider" href="https://op.example/${n}/${pad}"><link rel="openid2.local_id" href="https://id.example/${n}/${pad}"></head></html>`;
}

function response(url: string, body: string, contentType: string): FetchResponse {
  return {
    url,
    status: 200,
    headers: new Headers({ 'content-type': contentType }),
    body: new TextEncoder().encode(body),
    text: () => body,
  };
}

/** A fetcher serving `page(url)` for every URL, counting fetches. */
function serving(page: (url: string) => { body: string; type: string }): Fetcher & { count: number } {
  const f = (async (url: string) => {
    f.count++;
    const p = page(url);
    return response(url, p.body, p.type);
  }) as Fetcher & { count: number };
  f.count = 0;
  return f;
}

describe('bounded discovery: endpoints kept per result', () => {
  test('XRDS: 19,990 URIs in one service keep only the most preferred few', () => {
    const endpoints = discoverEndpointsFromXrds('https://alice.example/', hugeXrds(19_990));
    assert.equal(endpoints.length, MAX_ENDPOINTS_PER_RESULT);
    assert.equal(endpoints[0]?.opEndpoint, 'https://op0.example/server/0');
    assert.ok(MAX_ENDPOINTS_PER_RESULT <= 16);
  });

  test('XRDS: a service with thousands of types keeps a bounded list per endpoint', () => {
    const [first] = discoverEndpointsFromXrds('https://alice.example/', hugeXrds(2, 5_000));
    assert.ok(first);
    assert.equal(first.types.length, MAX_TYPES_PER_ENDPOINT);
    assert.equal(first.types[0], SIGNON);
    assert.equal(first.version, '2.0');
  });

  test('XRDS via discover(): the result and its cache entry stay small', async () => {
    const cache = new DiscoveryCache();
    const fetcher = serving(() => ({ body: hugeXrds(19_990), type: 'application/xrds+xml' }));
    const r = await discover('https://hostile.example/', { fetcher, cache });
    assert.equal(r.endpoints.length, MAX_ENDPOINTS_PER_RESULT);
    assert.ok(cache.bytes < 16 * 1024, `cache holds ${cache.bytes} bytes`);
  });

  test('HTML: a page with many link elements still yields at most the two OpenID endpoints', async () => {
    const links = Array.from(
      { length: 5_000 },
      (_, i) => `<link rel="openid2.provider" href="https://op${i}.example/">`,
    ).join('');
    const fetcher = serving(() => ({ body: `<html><head>${links}</head></html>`, type: 'text/html' }));
    const r = await discover('https://hostile.example/', { fetcher });
    assert.ok(r.endpoints.length <= 2);
  });
});

describe('bounded discovery: the cache is bounded by bytes', () => {
  test('the estimate grows with what a page controls', () => {
    const small = estimateResultBytes({
      claimedId: 'https://a.example/',
      normalizedInput: 'https://a.example/',
      identifierType: 'url',
      endpoints: [],
    });
    const big = estimateResultBytes({
      claimedId: 'https://a.example/',
      normalizedInput: 'https://a.example/',
      identifierType: 'url',
      endpoints: [
        {
          version: '2.0',
          opEndpoint: `https://op.example/${'x'.repeat(100_000)}`,
          claimedId: null,
          localId: null,
          types: [],
          isOpIdentifier: true,
          source: 'xrds',
        },
      ],
    });
    assert.ok(big - small >= 200_000, `${big} vs ${small}`);
  });

  for (const kind of ['XRDS', 'HTML'] as const) {
    test(`${kind}: 100 hostile identifiers never hold more than maxBytes; the newest are served from cache`, async () => {
      const maxBytes = 1024 * 1024;
      const cache = new DiscoveryCache({ maxBytes, maxEntries: 1000 });
      const fetcher = serving((url) =>
        kind === 'XRDS'
          ? {
              body: hugeXrds(2_000).replaceAll('op0.example', `${new URL(url).hostname}`),
              type: 'application/xrds+xml',
            }
          : { body: hugeHtml(Number(new URL(url).pathname.slice(1)), 60_000), type: 'text/html' },
      );
      for (let i = 0; i < 100; i++) {
        await discover(`https://h${i}.example/${i}`, { fetcher, cache });
        assert.ok(cache.bytes <= maxBytes, `after ${i + 1}: ${cache.bytes} bytes`);
      }
      assert.ok(cache.size < 100 || kind === 'XRDS', `size ${cache.size}`);
      const fetched = fetcher.count;
      await discover('https://h99.example/99', { fetcher, cache });
      assert.equal(fetcher.count, fetched, 'the most recent identifier is still cached');
    });
  }

  test('a single result larger than maxBytes is served but not cached', async () => {
    const cache = new DiscoveryCache({ maxBytes: 64 * 1024 });
    const fetcher = serving(() => ({ body: hugeHtml(1, 100_000), type: 'text/html' }));
    await discover('https://big.example/', { fetcher, cache });
    assert.equal(cache.size, 0);
    assert.equal(cache.bytes, 0);
  });

  test('bytes are returned on delete, expiry and clear', async () => {
    let now = 0;
    const cache = new DiscoveryCache({ ttlMs: 1000, now: () => now });
    const fetcher = serving(() => ({ body: hugeHtml(1, 1000), type: 'text/html' }));
    await discover('https://a.example/', { fetcher, cache });
    await discover('https://b.example/', { fetcher, cache });
    assert.ok(cache.bytes > 0);
    cache.delete('https://a.example/');
    now = 5000;
    assert.equal(cache.get('https://b.example/'), undefined);
    assert.equal(cache.bytes, 0);
    await discover('https://c.example/', { fetcher, cache });
    cache.clear();
    assert.equal(cache.bytes, 0);
  });
});
