import assert from 'node:assert/strict';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createFetcher, type FetchOptions } from '../../src/discovery/fetcher.js';
import { selfSignedCert } from '../helpers/self-signed.js';
import { isFetchError } from './helpers/errors.js';
import { type FetchServer, startFetchServer } from './helpers/fetch-server.js';

let server: FetchServer;
before(async () => {
  server = await startFetchServer();
});
after(() => server.close());

const open: FetchOptions = { allowPrivateNetworks: true };

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

  test('guards direct POSTs (associate, check_authentication) the same way (SS-14)', async () => {
    const fetcher = createFetcher({ lookup: async () => [{ address: '10.0.0.5' }] });
    await assert.rejects(
      fetcher('http://op.attacker.example/admin', {
        method: 'POST',
        body: new URLSearchParams({ 'openid.mode': 'associate' }),
      }),
      isFetchError('fetch_blocked', /10\.0\.0\.5/),
    );
  });

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
  let httpsPort = 0;
  let closeHttps: (() => Promise<void>) | null = null;
  const certificate = selfSignedCert();
  const haveOpenssl = certificate !== null;

  before(async () => {
    if (!certificate) return;
    const tls = createHttpsServer({ key: certificate.key, cert: certificate.cert }, (_req, res) =>
      res.end('secret'),
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
    certificate?.remove();
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
