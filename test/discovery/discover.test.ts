import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiscoveryCache } from '../../src/discovery/cache.js';
import { discover, normalizeIdentifier } from '../../src/discovery/discover.js';
import { endpointLocalId } from '../../src/discovery/endpoints.js';
import type { Fetcher, FetchOptions } from '../../src/discovery/fetcher.js';
import {
  TYPE_CLAIMED_IDENTIFIER,
  TYPE_OP_IDENTIFIER,
  TYPE_OPENID_1_0,
  TYPE_OPENID_1_1,
} from '../../src/protocol/constants.js';
import { DiscoveryError, FetchError } from '../../src/protocol/errors.js';
import { startServer, type TestServer } from './helpers/server.js';

const MiB = 1024 * 1024;

function xrdsDoc(services: string, canonicalId?: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)" xmlns:openid="http://openid.net/xmlns/1.0"><XRD>' +
    (canonicalId ? `<CanonicalID>${canonicalId}</CanonicalID>` : '') +
    `${services}</XRD></xrds:XRDS>`
  );
}

const SIGNON_XRDS = xrdsDoc(
  `<Service priority="10"><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://op.example/server</URI>` +
    '<LocalID>https://op.example/u/alice</LocalID></Service>',
);
const BOTH_XRDS = xrdsDoc(
  `<Service priority="0"><Type>${TYPE_OPENID_1_1}</Type><URI>https://op1.example/server</URI>` +
    '<openid:Delegate>https://op1.example/alice</openid:Delegate></Service>' +
    `<Service priority="10"><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://op2.example/server</URI></Service>`,
);
const OP_XRDS = xrdsDoc(
  `<Service><Type>${TYPE_OP_IDENTIFIER}</Type><URI>https://op.example/server</URI></Service>`,
);
const EMPTY_XRDS = xrdsDoc(
  '<Service><Type>http://example.com/other</Type><URI>https://x.example/</URI></Service>',
);
const XXE_XRDS =
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
  `<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service><Type>${TYPE_CLAIMED_IDENTIFIER}</Type>` +
  '<URI>&xxe;</URI></Service></XRD></xrds:XRDS>';
const LOL_XRDS = (() => {
  let entities = '<!ENTITY l0 "lol">';
  for (let i = 1; i <= 9; i++) entities += `<!ENTITY l${i} "${`&l${i - 1};`.repeat(10)}">`;
  return `<?xml version="1.0"?><!DOCTYPE x [${entities}]><xrds:XRDS xmlns:xrds="xri://$xrds">&l9;</xrds:XRDS>`;
})();

function page(headContent: string): string {
  return `<!DOCTYPE html><html><head><title>identity</title>${headContent}</head><body>hi</body></html>`;
}
const HTML2 = page(
  '<link rel="openid2.provider" href="https://op.example/server"><link rel="openid2.local_id" href="https://op.example/u/alice">',
);
const HTML_BOTH = page(
  '<link rel="openid.server openid2.provider" href="https://op.example/server">' +
    '<link rel="openid.delegate openid2.local_id" href="https://op.example/u/alice">',
);
const HTML1 = page('<link rel="openid.server" href="https://op1.example/server">');

let server: TestServer;
let hugeWritten = 0;

before(async () => {
  server = await startServer((req, res, base) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const send = (
      status: number,
      type: string | null,
      body: string,
      extra: Record<string, string> = {},
    ): void => {
      res.writeHead(status, { ...(type ? { 'content-type': type } : {}), ...extra });
      res.end(body);
    };
    const xrdsType = 'application/xrds+xml';
    switch (path) {
      case '/doc/signon.xrds':
        return send(200, xrdsType, SIGNON_XRDS);
      case '/doc/empty.xrds':
        return send(200, xrdsType, EMPTY_XRDS);
      case '/doc/broken.xrds':
        return send(200, xrdsType, '<xrds:XRDS xmlns:xrds="xri://$xrds"><unclosed>');
      case '/xrds-ct':
        return send(200, `${xrdsType}; charset=utf-8`, SIGNON_XRDS);
      case '/xrds-header':
        return send(200, 'text/html', page(''), { 'X-XRDS-Location': `${base}/doc/signon.xrds` });
      case '/xrds-meta':
        return send(200, 'text/html', page('<meta http-equiv="X-XRDS-Location" content="/doc/signon.xrds">'));
      case '/html-only':
        return send(200, 'text/html; charset=utf-8', HTML2);
      case '/untyped':
        return send(200, null, HTML2);
      case '/both-html':
        return send(200, 'text/html', HTML_BOTH);
      case '/both-xrds':
        return send(200, xrdsType, BOTH_XRDS);
      case '/op':
        return send(200, xrdsType, OP_XRDS);
      case '/redirect':
        return send(302, null, '', { location: '/html-only' });
      case '/redirect-twice':
        return send(301, null, '', { location: `${base}/redirect` });
      case '/redirect-fragment':
        return send(302, null, '', { location: '/html-only#frag' });
      case '/dir/relative':
        return send(200, 'text/html', page('<link rel="openid2.provider" href="../server">'));
      case '/to-relative':
        return send(302, null, '', { location: '/dir/relative' });
      case '/yadis-empty':
        return send(200, 'text/html', HTML1, { 'x-xrds-location': '/doc/empty.xrds' });
      case '/xrds-broken':
        return send(200, 'text/html', HTML1, { 'x-xrds-location': '/doc/broken.xrds' });
      case '/xrds-broken-nolinks':
        return send(200, 'text/html', page(''), { 'x-xrds-location': '/doc/broken.xrds' });
      case '/xxe':
        return send(200, xrdsType, XXE_XRDS);
      case '/xxe-behind-html':
        return send(200, 'text/html', HTML1, { 'x-xrds-location': '/xxe' });
      case '/lol':
        return send(200, xrdsType, LOL_XRDS);
      case '/xrds-location-internal':
        return send(200, 'text/html', HTML1, { 'x-xrds-location': 'http://10.0.0.5/admin' });
      case '/image':
        return send(200, 'image/png', 'PNG');
      case '/nothing':
        return send(200, 'text/html', page(''));
      case '/gone':
        return send(404, 'text/html', HTML2);
      case '/loop':
        return send(302, null, '', { location: '/loop' });
      case '/to-local':
        return send(302, null, '', { location: `http://127.0.0.1:${server.port}/html-only` });
      case '/to-metadata':
        return send(302, null, '', { location: 'http://169.254.169.254/latest/meta-data/' });
      case '/to-file':
        return send(302, null, '', { location: 'file:///etc/passwd' });
      case '/huge': {
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        hugeWritten = 0;
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
      case '/drip': {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.write('<html><head>');
        const timer = setInterval(() => res.write(' '), 1000);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/=smoker':
        return send(
          200,
          xrdsType,
          xrdsDoc(
            `<Service priority="10"><Type>${TYPE_OPENID_1_0}</Type><URI>https://www.myopenid.example/server</URI>` +
              '<openid:Delegate>https://smoker.myopenid.example/</openid:Delegate></Service>' +
              `<Service priority="20"><Type>${TYPE_OPENID_1_0}</Type><URI>https://lj.example/openid</URI>` +
              '<openid:Delegate>https://frank.lj.example/</openid:Delegate></Service>',
            '=!1000',
          ),
        );
      case '/=smoker*bad':
        return send(
          200,
          xrdsType,
          xrdsDoc(
            `<Service><Type>${TYPE_OPENID_1_0}</Type><URI>https://vroom.example/server</URI></Service>`,
          ),
        );
      case '/=spoof':
        return send(
          200,
          xrdsType,
          xrdsDoc(
            `<Service><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://evil.example/</URI></Service>`,
            '@!1',
          ),
        );
      default:
        return send(404, 'text/plain', 'not found');
    }
  });
});

after(() => server.close());

const open: FetchOptions = { allowPrivateNetworks: true };
const url = (path: string): string => `${server.base}${path}`;

function isError(kind: typeof DiscoveryError | typeof FetchError, code: string, message?: RegExp) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof kind, `expected ${kind.name} ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

describe('normalizeIdentifier (§7.2)', () => {
  const cases: Array<[string, string]> = [
    ['example.com', 'http://example.com/'],
    ['  Example.COM/alice  ', 'http://example.com/alice'],
    ['https://example.com/alice#me', 'https://example.com/alice'],
    ['HTTP://EXAMPLE.com:80/a/../b', 'http://example.com/b'],
    ['localhost:8080/id', 'http://localhost:8080/id'],
    ['example.com:', 'http://example.com/'],
    ['bücher.example/x', 'http://xn--bcher-kva.example/x'],
  ];
  for (const [input, expected] of cases) {
    test(`normalizes ${JSON.stringify(input)} to ${expected}`, () => {
      assert.deepEqual(normalizeIdentifier(input), { type: 'url', value: expected });
    });
  }

  test('recognises XRIs, strips xri://, and needs a configured resolver', () => {
    assert.deepEqual(normalizeIdentifier('xri://=alice', { xriProxy: 'https://xri.example/' }), {
      type: 'xri',
      value: '=alice',
    });
    for (const xri of ['=alice', '@corp', '+tag', '$x', '!1', '(http://x)', 'xri://=alice']) {
      assert.throws(
        () => normalizeIdentifier(xri),
        isError(DiscoveryError, 'xri_not_configured', /XRI resolution is not configured/),
      );
    }
  });

  test('refuses other schemes, including file: (SS-08)', () => {
    for (const input of [
      'file:///etc/passwd',
      'ftp://example.com/',
      'javascript:alert(1)',
      'mailto:a@b.example',
    ]) {
      assert.throws(() => normalizeIdentifier(input), isError(DiscoveryError, 'identifier_invalid'), input);
    }
  });

  test('refuses empty and malformed input', () => {
    for (const input of [
      '',
      '   ',
      'http://',
      'http://exa mple.com/',
      'xri://example.com',
      'http://a\\@b/',
    ]) {
      assert.throws(() => normalizeIdentifier(input), isError(DiscoveryError, 'identifier_invalid'), input);
    }
  });
});

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
    assert.ok(hugeWritten < 50 * MiB, `server wrote ${hugeWritten}`);
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
    await assert.rejects(discover(url('/nothing'), { fetch: open, cache }));
    assert.equal(cache.size, 0);
  });
});
