import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { discover } from '../../src/discovery/discover.js';
import { endpointLocalId } from '../../src/discovery/endpoints.js';
import type { FetchOptions } from '../../src/discovery/fetcher.js';
import { TYPE_CLAIMED_IDENTIFIER, TYPE_OP_IDENTIFIER } from '../../src/protocol/constants.js';
import { DiscoveryError, FetchError } from '../../src/protocol/errors.js';
import { isError } from './helpers/errors.js';
import { type IdentityServer, startIdentityServer } from './helpers/identity-server.js';
import { startServer } from './helpers/server.js';

let server: IdentityServer;
before(async () => {
  server = await startIdentityServer();
});
after(() => server.close());

const open: FetchOptions = { allowPrivateNetworks: true };
const url = (path: string): string => `${server.base}${path}`;

describe('discover: identity pages on a local server', () => {
  test('XRDS served as application/xrds+xml', async () => {
    const result = await discover(url('/xrds-ct'), { fetch: open });
    assert.equal(result.claimedId, url('/xrds-ct'));
    assert.equal(result.normalizedInput, url('/xrds-ct'));
    assert.equal(result.identifierType, 'url');
    assert.deepEqual(result.endpoints, [
      {
        version: '2.0',
        opEndpoint: 'https://op.example/server',
        claimedId: url('/xrds-ct'),
        localId: 'https://op.example/u/alice',
        types: [TYPE_CLAIMED_IDENTIFIER],
        isOpIdentifier: false,
        source: 'xrds',
      },
    ]);
  });

  test('XRDS found through the X-XRDS-Location header', async () => {
    const result = await discover(url('/xrds-header'), { fetch: open });
    assert.equal(result.claimedId, url('/xrds-header'));
    assert.equal(result.endpoints[0]?.source, 'xrds');
  });

  test('XRDS found through <meta http-equiv>', async () => {
    const result = await discover(url('/xrds-meta'), { fetch: open });
    assert.equal(result.claimedId, url('/xrds-meta'));
    assert.equal(result.endpoints[0]?.opEndpoint, 'https://op.example/server');
  });

  test('HTML links only', async () => {
    const result = await discover(url('/html-only'), { fetch: open });
    assert.deepEqual(
      result.endpoints.map((e) => [e.version, e.opEndpoint, e.localId, e.source]),
      [['2.0', 'https://op.example/server', 'https://op.example/u/alice', 'html']],
    );
  });

  test('a page served without Content-Type is read as HTML', async () => {
    const result = await discover(url('/untyped'), { fetch: open });
    assert.equal(result.endpoints[0]?.source, 'html');
  });

  test('redirects: the final URL is the claimed identifier (§7.2, DV-13)', async () => {
    const result = await discover(url('/redirect-twice'), { fetch: open });
    assert.equal(result.normalizedInput, url('/redirect-twice'));
    assert.equal(result.claimedId, url('/html-only'));
    assert.equal(result.endpoints[0]?.claimedId, url('/html-only'));
  });

  test('a fragment in the input or in the redirect target is dropped', async () => {
    const fromInput = await discover(`${url('/html-only')}#me`, { fetch: open });
    assert.equal(fromInput.normalizedInput, url('/html-only'));
    const fromRedirect = await discover(url('/redirect-fragment'), { fetch: open });
    assert.equal(fromRedirect.claimedId, url('/html-only'));
  });

  test('relative hrefs resolve against the final URL', async () => {
    const result = await discover(url('/to-relative'), { fetch: open });
    assert.equal(result.endpoints[0]?.opEndpoint, url('/server'));
  });

  test('both 1.x and 2.0 links: 2.0 first', async () => {
    const result = await discover(url('/both-html'), { fetch: open });
    assert.deepEqual(
      result.endpoints.map((e) => e.version),
      ['2.0', '1.1'],
    );
    assert.equal(endpointLocalId(result.endpoints[1]!), 'https://op.example/u/alice');
  });

  test('both 1.x and 2.0 services: 2.0 first even with a lower priority', async () => {
    const result = await discover(url('/both-xrds'), { fetch: open });
    assert.deepEqual(
      result.endpoints.map((e) => [e.version, e.opEndpoint, endpointLocalId(e)]),
      [
        ['2.0', 'https://op2.example/server', url('/both-xrds')],
        ['1.1', 'https://op1.example/server', 'https://op1.example/alice'],
      ],
    );
  });

  test('an OP identifier', async () => {
    const result = await discover(url('/op'), { fetch: open });
    assert.deepEqual(
      result.endpoints.map((e) => [e.isOpIdentifier, e.claimedId, endpointLocalId(e), e.types]),
      [[true, null, null, [TYPE_OP_IDENTIFIER]]],
    );
  });

  test('an XRDS without OpenID services falls back to the HTML links', async () => {
    const result = await discover(url('/yadis-empty'), { fetch: open });
    assert.deepEqual(
      result.endpoints.map((e) => [e.version, e.source]),
      [['1.1', 'html']],
    );
  });

  test('a malformed XRDS falls back to the HTML links, or fails when there are none', async () => {
    const result = await discover(url('/xrds-broken'), { fetch: open });
    assert.equal(result.endpoints[0]?.source, 'html');
    await assert.rejects(
      discover(url('/xrds-broken-nolinks'), { fetch: open }),
      isError(DiscoveryError, 'xrds_invalid'),
    );
  });

  test('a page without OpenID links: no_openid_service', async () => {
    await assert.rejects(
      discover(url('/nothing'), { fetch: open }),
      isError(DiscoveryError, 'no_openid_service'),
    );
  });

  test('a body that is neither HTML nor XRDS: not_discoverable', async () => {
    await assert.rejects(
      discover(url('/image'), { fetch: open }),
      isError(DiscoveryError, 'not_discoverable', /image\/png/),
    );
  });

  test('an HTTP error status fails even with usable links', async () => {
    await assert.rejects(
      discover(url('/gone'), { fetch: open }),
      (err: unknown) => isError(FetchError, 'http_status')(err) && (err as FetchError).status === 404,
    );
  });

  test('an unreachable host: fetch_failed', async () => {
    const probe = await startServer(() => {});
    const dead = probe.base;
    await probe.close();
    await assert.rejects(discover(`${dead}/`, { fetch: open }), isError(FetchError, 'fetch_failed'));
  });
});

describe('discover: XRI through a proxy resolver', () => {
  const xriProxy = (): string => `${server.base}/`;

  test('refuses an XRI when no resolver is configured (SS-17)', async () => {
    await assert.rejects(discover('=smoker', { fetch: open }), isError(DiscoveryError, 'xri_not_configured'));
  });

  test('resolves an i-name; the CanonicalID is the claimed identifier', async () => {
    const result = await discover('xri://=smoker', { fetch: open, xriProxy: xriProxy() });
    assert.equal(result.identifierType, 'xri');
    assert.equal(result.normalizedInput, '=smoker');
    assert.equal(result.claimedId, '=!1000');
    assert.deepEqual(
      result.endpoints.map((e) => [e.version, e.opEndpoint, e.claimedId, e.localId]),
      [
        ['1.0', 'https://www.myopenid.example/server', '=!1000', 'https://smoker.myopenid.example/'],
        ['1.0', 'https://lj.example/openid', '=!1000', 'https://frank.lj.example/'],
      ],
    );
  });

  test('an answer without CanonicalID gives no service', async () => {
    await assert.rejects(
      discover('=smoker*bad', { fetch: open, xriProxy: xriProxy() }),
      isError(DiscoveryError, 'no_openid_service'),
    );
  });

  test('a CanonicalID outside the i-name root authority is fraud', async () => {
    await assert.rejects(
      discover('=spoof', { fetch: open, xriProxy: xriProxy() }),
      isError(DiscoveryError, 'xri_fraud'),
    );
  });
});
