import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createFetcher, type FetchOptions } from '../../src/discovery/fetcher.js';
import { isFetchError } from './helpers/errors.js';
import { type FetchServer, MiB, startFetchServer } from './helpers/fetch-server.js';
import { startServer } from './helpers/server.js';

let server: FetchServer;
before(async () => {
  server = await startFetchServer();
});
after(() => server.close());

const open: FetchOptions = { allowPrivateNetworks: true };

describe('fetcher: responses', () => {
  test('returns status, Web headers, bytes, final URL and decoded text', async () => {
    const res = await createFetcher(open)(`${server.base}/hello`);
    assert.equal(res.status, 200);
    assert.equal(res.url, `${server.base}/hello`);
    assert.equal(res.headers.get('X-Test'), 'yes');
    assert.ok(res.body instanceof Uint8Array);
    assert.equal(res.text(), 'hello é');
  });

  test('decodes the body with the charset of the Content-Type', async () => {
    const res = await createFetcher(open)(`${server.base}/latin1`);
    assert.equal(res.text(), 'café');
  });

  test('returns non-2xx statuses instead of throwing', async () => {
    const res = await createFetcher(open)(`${server.base}/status-404`);
    assert.equal(res.status, 404);
    assert.equal(res.text(), 'nope');
  });

  test('POSTs a URLSearchParams body as a form', async () => {
    const res = await createFetcher(open)(`${server.base}/echo`, {
      method: 'POST',
      body: new URLSearchParams({
        'openid.mode': 'associate',
        'openid.ns': 'http://specs.openid.net/auth/2.0',
      }),
    });
    const echoed = JSON.parse(res.text());
    assert.equal(echoed.method, 'POST');
    assert.equal(echoed.body, 'openid.mode=associate&openid.ns=http%3A%2F%2Fspecs.openid.net%2Fauth%2F2.0');
    assert.match(echoed.headers['content-type'], /^application\/x-www-form-urlencoded/);
  });

  test('sends no cookies or credentials of its own (SS-18)', async () => {
    const res = await createFetcher(open)(`${server.base}/echo`);
    const { headers } = JSON.parse(res.text());
    assert.equal(headers.cookie, undefined);
    assert.equal(headers.authorization, undefined);
    assert.equal(headers['user-agent'], 'openid2');
  });

  test('decompresses a gzip body it did not ask for', async () => {
    const res = await createFetcher(open)(`${server.base}/gzip-ok`);
    assert.equal(res.text(), 'small and compressed');
  });
});

describe('fetcher: redirects', () => {
  for (const status of [301, 302, 303]) {
    test(`turns a POST into a GET on ${status}`, async () => {
      const res = await createFetcher(open)(`${server.base}/r${status}`, { method: 'POST', body: 'a=1' });
      const echoed = JSON.parse(res.text());
      assert.equal(res.url, `${server.base}/echo`);
      assert.equal(echoed.method, 'GET');
      assert.equal(echoed.body, '');
    });
  }

  for (const status of [307, 308]) {
    test(`keeps the method and body on ${status}`, async () => {
      const res = await createFetcher(open)(`${server.base}/r${status}`, { method: 'POST', body: 'a=1' });
      const echoed = JSON.parse(res.text());
      assert.equal(echoed.method, 'POST');
      assert.equal(echoed.body, 'a=1');
    });
  }

  test('records the final URL after a chain of redirects', async () => {
    const res = await createFetcher(open)(`${server.base}/chain`);
    assert.equal(res.url, `${server.base}/echo`);
  });

  test('stops a redirect loop at maxRedirects (SS-09)', async () => {
    const before = server.seen.length;
    await assert.rejects(
      createFetcher({ ...open, maxRedirects: 3 })(`${server.base}/loop`),
      isFetchError('too_many_redirects'),
    );
    assert.equal(server.seen.length - before, 4);
  });

  test('refuses a redirect to a file: URL (SS-08)', async () => {
    await assert.rejects(
      createFetcher(open)(`${server.base}/to-file`),
      isFetchError('fetch_blocked', /file:/),
    );
  });

  test('drops an Authorization header on a cross-origin redirect', async () => {
    const fetcher = createFetcher({
      ...open,
      lookup: async () => [{ address: '127.0.0.1' }],
    });
    const res = await fetcher(`${server.base}/to-other-origin`, {
      headers: { authorization: 'Basic c2VjcmV0' },
    });
    const { headers } = JSON.parse(res.text());
    assert.equal(headers.host, `other.test:${server.port}`);
    assert.equal(headers.authorization, undefined);
  });
});

describe('fetcher: limits', () => {
  test('cuts a lazily streamed 50 MiB body at maxBytes without reading it all (SS-10)', async () => {
    await assert.rejects(
      createFetcher({ ...open, maxBytes: MiB })(`${server.base}/huge`),
      isFetchError('fetch_too_large'),
    );
    await server.stats.hugeClosed;
    assert.ok(server.stats.hugeWritten < 50 * MiB, `server wrote ${server.stats.hugeWritten} bytes`);
    assert.ok(
      server.stats.hugeWritten < 20 * MiB,
      `server wrote ${server.stats.hugeWritten} bytes before the client stopped`,
    );
  });

  test('refuses a declared Content-Length above maxBytes before reading', async () => {
    await assert.rejects(
      createFetcher({ ...open, maxBytes: 1000 })(`${server.base}/declared-huge`),
      isFetchError('fetch_too_large'),
    );
  });

  test('caps the decompressed size of a gzip bomb (SS-12)', async () => {
    await assert.rejects(
      createFetcher({ ...open, maxBytes: MiB })(`${server.base}/gzip-bomb`),
      isFetchError('fetch_too_large'),
    );
  });

  test('gives up on a body that drips one byte a second (SS-11)', async () => {
    await assert.rejects(
      createFetcher({ ...open, timeoutMs: 1500 })(`${server.base}/drip`),
      isFetchError('fetch_timeout', /1500 ms/),
    );
  });

  test('refuses response headers larger than maxHeaderBytes', async () => {
    await assert.rejects(
      createFetcher({ ...open, maxHeaderBytes: 4096 })(`${server.base}/big-headers`),
      isFetchError('fetch_headers_too_large'),
    );
    const res = await createFetcher(open)(`${server.base}/big-headers`);
    assert.equal(res.status, 200);
  });

  test('reports an unreachable server as fetch_failed', async () => {
    const probe = await startServer(() => {});
    const deadUrl = `${probe.base}/`;
    await probe.close();
    await assert.rejects(createFetcher(open)(deadUrl), isFetchError('fetch_failed'));
  });

  test('fails a body cut short by the server instead of waiting for it', async () => {
    await assert.rejects(createFetcher(open)(`${server.base}/truncated`), isFetchError('fetch_failed'));
  });

  test('reports a user abort as fetch_aborted', async () => {
    const controller = new AbortController();
    const pending = createFetcher(open)(`${server.base}/drip`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, isFetchError('fetch_aborted'));
  });
});

describe('fetcher: URL policy', () => {
  for (const url of [
    'file:///etc/passwd',
    'ftp://example.com/',
    'gopher://example.com/',
    'data:text/plain,hi',
  ]) {
    test(`refuses ${url.split(':')[0]}: URLs`, async () => {
      await assert.rejects(createFetcher(open)(url), isFetchError('fetch_blocked'));
    });
  }

  test('refuses URLs with credentials', async () => {
    await assert.rejects(
      createFetcher(open)(`http://u:p@127.0.0.1:${server.port}/`),
      isFetchError('fetch_invalid_url'),
    );
  });

  test('refuses something that is not a URL', async () => {
    await assert.rejects(createFetcher(open)('not a url'), isFetchError('fetch_invalid_url'));
  });

  test('requireHttps refuses plain http', async () => {
    await assert.rejects(
      createFetcher({ ...open, requireHttps: true })(`${server.base}/hello`),
      isFetchError('insecure_transport'),
    );
  });

  test('denyHosts refuses a host even with allowPrivateNetworks', async () => {
    const fetcher = createFetcher({ ...open, denyHosts: ['127.0.0.0/8'] });
    await assert.rejects(fetcher(`${server.base}/hello`), isFetchError('fetch_blocked', /denied/));
  });
});
