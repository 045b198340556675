import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { discover } from '../../src/discovery/discover.js';
import type { FetchOptions } from '../../src/discovery/fetcher.js';
import { DiscoveryError, FetchError } from '../../src/protocol/errors.js';
import { isError } from './helpers/errors.js';
import { type IdentityServer, MiB, startIdentityServer } from './helpers/identity-server.js';

let server: IdentityServer;
before(async () => {
  server = await startIdentityServer();
});
after(() => server.close());

const open: FetchOptions = { allowPrivateNetworks: true };
const url = (path: string): string => `${server.base}${path}`;

describe('discover: hostile identity pages', () => {
  test('XXE XRDS: xml_dtd_forbidden (XML-01)', async () => {
    await assert.rejects(
      discover(url('/xxe'), { fetch: open }),
      isError(DiscoveryError, 'xml_dtd_forbidden'),
    );
  });

  test('XXE XRDS behind an HTML page with links still fails, no fallback', async () => {
    await assert.rejects(
      discover(url('/xxe-behind-html'), { fetch: open }),
      isError(DiscoveryError, 'xml_dtd_forbidden'),
    );
  });

  test('billion-laughs XRDS: xml_dtd_forbidden (XML-03)', async () => {
    await assert.rejects(
      discover(url('/lol'), { fetch: open }),
      isError(DiscoveryError, 'xml_dtd_forbidden'),
    );
  });

  test('a 50 MiB body is cut at maxBytes (SS-10)', async () => {
    await assert.rejects(
      discover(url('/huge'), { fetch: { ...open, maxBytes: 256 * 1024 } }),
      isError(FetchError, 'fetch_too_large'),
    );
    assert.ok(server.hugeWritten() < 50 * MiB, `server wrote ${server.hugeWritten()}`);
  });

  test('a body dripping one byte a second times out (SS-11)', async () => {
    await assert.rejects(
      discover(url('/drip'), { fetch: { ...open, timeoutMs: 1500 } }),
      isError(FetchError, 'fetch_timeout'),
    );
  });

  test('a redirect loop: too_many_redirects (SS-09)', async () => {
    await assert.rejects(discover(url('/loop'), { fetch: open }), isError(FetchError, 'too_many_redirects'));
  });

  test('an identifier on 127.0.0.1 with the guard on (SS-01)', async () => {
    await assert.rejects(discover(url('/html-only')), isError(FetchError, 'fetch_blocked', /127\.0\.0\.1/));
  });

  const guarded: FetchOptions = { allowHosts: ['id.test'], lookup: async () => [{ address: '127.0.0.1' }] };
  const viaName = (path: string): string => `http://id.test:${server.port}${path}`;

  test('the guarded fetcher reaches an allowed identity host', async () => {
    const result = await discover(viaName('/html-only'), { fetch: guarded });
    assert.equal(result.claimedId, viaName('/html-only'));
  });

  test('a redirect to 127.0.0.1 with the guard on (SS-07)', async () => {
    await assert.rejects(
      discover(viaName('/to-local'), { fetch: guarded }),
      isError(FetchError, 'fetch_blocked', /127\.0\.0\.1/),
    );
  });

  test('a redirect to 169.254.169.254 with the guard on (SS-02)', async () => {
    await assert.rejects(
      discover(viaName('/to-metadata'), { fetch: guarded }),
      isError(FetchError, 'fetch_blocked', /169\.254\.169\.254/),
    );
  });

  test('an X-XRDS-Location pointing inside the network (SS-13)', async () => {
    await assert.rejects(
      discover(viaName('/xrds-location-internal'), { fetch: guarded }),
      isError(FetchError, 'fetch_blocked', /10\.0\.0\.5/),
    );
  });

  test('a file: URL identifier, and a redirect to one (SS-08)', async () => {
    await assert.rejects(
      discover('file:///etc/passwd', { fetch: open }),
      isError(DiscoveryError, 'identifier_invalid'),
    );
    await assert.rejects(
      discover(url('/to-file'), { fetch: open }),
      isError(FetchError, 'fetch_blocked', /file:/),
    );
  });
});
