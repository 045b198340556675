import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createFetcher } from '../../src/discovery/fetcher.js';
import { createWebFetcher, lacksDnsPinning } from '../../src/discovery/web-fetcher.js';
import { canPinDns, detectRuntime } from '../../src/platform/runtime.js';
import { FetchError } from '../../src/protocol/errors.js';
import { RelyingParty } from '../../src/rp/relying-party.js';

const code = (c: string) => (e: unknown) => e instanceof FetchError && e.code === c;

describe('createWebFetcher against a loopback server', () => {
  let server: Server;
  let base = '';
  const seen: { method: string; url: string; body: string; headers: Record<string, unknown> }[] = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body, headers: req.headers });
        const path = req.url ?? '/';
        if (path === '/hello') {
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('héllo');
        } else if (path.startsWith('/redirect/')) {
          const n = Number(path.slice('/redirect/'.length));
          res.writeHead(303, { location: n > 0 ? `/redirect/${n - 1}` : '/hello' }).end();
        } else if (path === '/big') {
          res.writeHead(200).end('x'.repeat(5000));
        } else if (path === '/fat-headers') {
          res.writeHead(200, { 'x-pad': 'y'.repeat(3000) }).end('ok');
        } else if (path === '/to-private') {
          res.writeHead(302, { location: 'http://10.0.0.1/secret' }).end();
        } else if (path === '/slow') {
          setTimeout(() => res.writeHead(200).end('late'), 2000);
        } else {
          res.writeHead(404).end();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const open = createWebFetcher({ allowPrivateNetworks: true, maxBytes: 4096, maxHeaderBytes: 2048 });

  test('says it cannot pin DNS; the Node fetcher does not say so', () => {
    assert.equal(open.dnsPinning, false);
    assert.equal(lacksDnsPinning(open), true);
    assert.equal(lacksDnsPinning(createFetcher()), false);
  });

  test('GETs a body and decodes it by its charset', async () => {
    const res = await open(`${base}/hello`);
    assert.equal(res.status, 200);
    assert.equal(res.text(), 'héllo');
    assert.equal(res.url, `${base}/hello`);
  });

  test('POSTs a form as application/x-www-form-urlencoded', async () => {
    await open(`${base}/hello`, {
      method: 'POST',
      body: new URLSearchParams({ 'openid.mode': 'associate' }),
    });
    const last = seen.at(-1);
    assert.equal(last?.method, 'POST');
    assert.equal(last?.body, 'openid.mode=associate');
    assert.match(String(last?.headers['content-type']), /^application\/x-www-form-urlencoded/);
  });

  test('follows redirects hop by hop, and stops past maxRedirects', async () => {
    const res = await open(`${base}/redirect/3`);
    assert.equal(res.url, `${base}/hello`);
    await assert.rejects(open(`${base}/redirect/9`), code('too_many_redirects'));
  });

  test('refuses a body past maxBytes and headers past maxHeaderBytes', async () => {
    await assert.rejects(open(`${base}/big`), code('fetch_too_large'));
    await assert.rejects(open(`${base}/fat-headers`), code('fetch_headers_too_large'));
  });

  test('gives up at the deadline with fetch_timeout', async () => {
    const quick = createWebFetcher({ allowPrivateNetworks: true, timeoutMs: 200 });
    await assert.rejects(quick(`${base}/slow`), code('fetch_timeout'));
  });

  const guarded = createWebFetcher();
  const refusedUrls = [
    'http://127.0.0.1/',
    'http://0x7f.1/',
    'http://2130706433/',
    'http://10.1.2.3/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[fd00::1]/',
    'http://localhost/',
    'http://api.localhost./',
  ];
  for (const url of refusedUrls) {
    test(`the guard refuses ${url} without connecting`, async () => {
      await assert.rejects(guarded(url), code('fetch_blocked'));
    });
  }

  test('the guard refuses other schemes and URLs with credentials', async () => {
    await assert.rejects(guarded('file:///etc/passwd'), code('fetch_blocked'));
    await assert.rejects(guarded('http://user:pw@example.com/'), code('fetch_invalid_url'));
  });

  test('a redirect to a private address is refused at that hop', async () => {
    const allowLoopbackOnly = createWebFetcher({ allowHosts: ['127.0.0.1'] });
    await assert.rejects(allowLoopbackOnly(`${base}/to-private`), code('fetch_blocked'));
  });

  test('requireHttps refuses plain http', async () => {
    const https = createWebFetcher({ requireHttps: true, allowPrivateNetworks: true });
    await assert.rejects(https(`${base}/hello`), code('insecure_transport'));
  });
});

describe('runtime detection', () => {
  test('this test process is Node, which pins DNS', () => {
    assert.equal(detectRuntime(), 'node');
    assert.equal(canPinDns(), true);
  });
  test('Workers, Edge and plain Web runtimes cannot pin DNS; Bun and Deno can', () => {
    assert.equal(canPinDns('workerd'), false);
    assert.equal(canPinDns('edge-light'), false);
    assert.equal(canPinDns('web'), false);
    assert.equal(canPinDns('bun'), true);
    assert.equal(canPinDns('deno'), true);
  });
});

describe('relying party with a fetcher that cannot pin DNS', () => {
  const options = {
    realm: 'https://rp.example/',
    returnTo: 'https://rp.example/return',
    secret: 'a-secret-of-at-least-thirty-two-bytes!!',
  };
  const calls: string[] = [];
  const fetcher = Object.assign(
    async (url: string) => {
      calls.push(url);
      throw new FetchError('fetch_failed', 'offline in this test', { url });
    },
    { dnsPinning: false },
  );

  test('refuses to discover a user-supplied identifier, without fetching it', async () => {
    const rp = new RelyingParty({ ...options, fetcher });
    calls.length = 0;
    await assert.rejects(
      rp.begin('https://user.example/'),
      (e: unknown) => (e as { code?: string }).code === 'discovery_refused',
    );
    assert.deepEqual(calls, []);
  });

  test('discovers when the app names its providers (allowedProviders)', async () => {
    const rp = new RelyingParty({ ...options, fetcher, allowedProviders: ['https://op.example/openid'] });
    calls.length = 0;
    await assert.rejects(rp.begin('https://user.example/'), code('fetch_failed'));
    assert.equal(calls.length > 0, true);
  });

  test('discovers when the app opts into the weaker guard (allowDiscoveryWithoutDnsPinning)', async () => {
    const rp = new RelyingParty({ ...options, fetcher, allowDiscoveryWithoutDnsPinning: true });
    calls.length = 0;
    await assert.rejects(rp.begin('https://user.example/'), code('fetch_failed'));
    assert.equal(calls.length > 0, true);
  });
});
