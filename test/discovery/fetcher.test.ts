import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createFetcher, type FetchOptions } from '../../src/discovery/fetcher.js';
import { FetchError } from '../../src/protocol/errors.js';
import { readBody, startServer, type TestServer } from './helpers/server.js';

function isFetchError(code: string, message?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof FetchError, `expected FetchError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

const MiB = 1024 * 1024;
let server: TestServer;
/** Bytes the lazy 50 MiB route managed to write before the client went away. */
let hugeWritten = 0;
let hugeClosed: Promise<void> = Promise.resolve();

before(async () => {
  server = await startServer((req, res, base) => {
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/hello':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-test': 'yes' });
        res.end('hello é');
        return;
      case '/latin1':
        res.writeHead(200, { 'content-type': 'text/html; charset=ISO-8859-1' });
        res.end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
        return;
      case '/echo':
        void readBody(req).then((body) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ method: req.method, body, headers: req.headers }));
        });
        return;
      case '/r301':
      case '/r302':
      case '/r303':
      case '/r307':
      case '/r308':
        res.writeHead(Number(path.slice(2)), { location: '/echo' });
        res.end('moved');
        return;
      case '/chain':
        res.writeHead(302, { location: `${base}/r302` });
        res.end();
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' });
        res.end();
        return;
      case '/to-file':
        res.writeHead(302, { location: 'file:///etc/passwd' });
        res.end();
        return;
      case '/to-local':
        res.writeHead(302, { location: `http://127.0.0.1:${server.port}/secret` });
        res.end();
        return;
      case '/to-metadata':
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        res.end();
        return;
      case '/to-other-origin':
        res.writeHead(307, { location: `http://other.test:${server.port}/echo` });
        res.end();
        return;
      case '/huge': {
        // 50 MiB, written lazily: only as fast as the client reads.
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        hugeWritten = 0;
        hugeClosed = new Promise((resolve) => res.on('close', () => resolve()));
        res.writeHead(200, { 'content-type': 'text/html' });
        const pump = (): void => {
          while (hugeWritten < 50 * MiB && !res.destroyed) {
            hugeWritten += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end();
        };
        pump();
        return;
      }
      case '/declared-huge':
        res.writeHead(200, { 'content-length': String(50 * MiB) });
        res.write('x');
        return;
      case '/gzip-bomb':
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/html' });
        res.end(gzipSync(Buffer.alloc(8 * MiB, 0)));
        return;
      case '/gzip-ok':
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' });
        res.end(gzipSync(Buffer.from('small and compressed')));
        return;
      case '/drip': {
        res.writeHead(200, { 'content-type': 'text/html' });
        const timer = setInterval(() => res.write('.'), 1000);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/big-headers':
        res.writeHead(200, { 'x-big': 'a'.repeat(8000) });
        res.end('ok');
        return;
      case '/status-404':
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('nope');
        return;
      default:
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`path ${path}`);
    }
  });
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
    await hugeClosed;
    assert.ok(hugeWritten < 50 * MiB, `server wrote ${hugeWritten} bytes`);
    assert.ok(hugeWritten < 20 * MiB, `server wrote ${hugeWritten} bytes before the client stopped`);
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

describe('fetcher: SSRF guard (on by default)', () => {
  test('refuses 127.0.0.1 and names it, without connecting (SS-01)', async () => {
    const before = server.seen.length;
    await assert.rejects(
      createFetcher()(`${server.base}/hello`),
      isFetchError('fetch_blocked', /127\.0\.0\.1.*loopback/),
    );
    assert.equal(server.seen.length, before);
  });

  const literalForms = [
    'http://127.1/',
    'http://0x7f.1/',
    'http://0177.0.0.1/',
    'http://2130706433/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://0.0.0.0/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fe80::1]/',
    'http://[fc00::1]/',
  ];
  for (const url of literalForms) {
    test(`refuses the literal ${url} (SS-04)`, async () => {
      await assert.rejects(createFetcher()(url), isFetchError('fetch_blocked'));
    });
  }

  const resolvedForms: Array<[string, string]> = [
    ['127.0.0.1', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.9.9', 'private'],
    ['192.168.0.10', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'CGNAT'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['fc00::5', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fe80::1', 'link-local'],
  ];
  for (const [address, category] of resolvedForms) {
    test(`refuses a host name resolving to ${address} (${category}, SS-05)`, async () => {
      const fetcher = createFetcher({ lookup: async () => [{ address }] });
      await assert.rejects(
        fetcher('http://innocent.example/'),
        isFetchError('fetch_blocked', new RegExp(`${address.replace(/[.:]/g, '\\$&')}.*${category}`)),
      );
    });
  }

  test('refuses a host when any one of its addresses is private', async () => {
    const fetcher = createFetcher({
      lookup: async () => [{ address: '93.184.216.34' }, { address: '10.0.0.1' }],
    });
    await assert.rejects(fetcher('http://mixed.example/'), isFetchError('fetch_blocked', /10\.0\.0\.1/));
  });

  test('connects to the vetted address, never resolving the name again (SS-06)', async () => {
    let lookups = 0;
    const fetcher = createFetcher({
      allowHosts: ['127.0.0.1/32'],
      lookup: async () => {
        lookups++;
        return [{ address: '127.0.0.1' }];
      },
    });
    // `rebind.test` does not exist in DNS: success proves the pinned address was used.
    const res = await fetcher(`http://rebind.test:${server.port}/echo`);
    assert.equal(JSON.parse(res.text()).headers.host, `rebind.test:${server.port}`);
    assert.equal(lookups, 1);
  });

  test('re-checks a redirect to 127.0.0.1 (SS-07)', async () => {
    const fetcher = createFetcher({
      allowHosts: ['public.test'],
      lookup: async () => [{ address: '127.0.0.1' }],
    });
    const before = server.seen.length;
    await assert.rejects(
      fetcher(`http://public.test:${server.port}/to-local`),
      isFetchError('fetch_blocked', /127\.0\.0\.1/),
    );
    assert.deepEqual(server.seen.slice(before), ['/to-local']);
  });

  test('re-checks a redirect to the cloud metadata address 169.254.169.254 (SS-02)', async () => {
    const fetcher = createFetcher({
      allowHosts: ['public.test'],
      lookup: async () => [{ address: '127.0.0.1' }],
    });
    await assert.rejects(
      fetcher(`http://public.test:${server.port}/to-metadata`),
      isFetchError('fetch_blocked', /169\.254\.169\.254.*link-local/),
    );
  });

  test('allowHosts exempts only the listed host', async () => {
    const fetcher = createFetcher({
      allowHosts: ['sso.corp.test'],
      lookup: async () => [{ address: '127.0.0.1' }],
    });
    const res = await fetcher(`http://sso.corp.test:${server.port}/hello`);
    assert.equal(res.status, 200);
    await assert.rejects(
      fetcher(`http://other.corp.test:${server.port}/hello`),
      isFetchError('fetch_blocked'),
    );
  });
});

describe('fetcher: TLS (TL-01)', () => {
  let dir = '';
  let httpsPort = 0;
  let closeHttps: (() => Promise<void>) | null = null;
  const haveOpenssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  before(async () => {
    if (!haveOpenssl) return;
    dir = mkdtempSync(join(tmpdir(), 'openid2-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const tls = createHttpsServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (_req, res) => res.end('secret'),
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    httpsPort = (tls.address() as AddressInfo).port;
    closeHttps = () =>
      new Promise((resolve) => {
        tls.closeAllConnections();
        tls.close(() => resolve());
      });
  });

  after(async () => {
    await closeHttps?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('refuses a self-signed certificate', {
    skip: haveOpenssl ? false : 'openssl not installed',
  }, async () => {
    await assert.rejects(
      createFetcher(open)(`https://127.0.0.1:${httpsPort}/`),
      isFetchError('fetch_tls_error'),
    );
  });
});
