import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createFetcher } from '../../src/discovery/fetcher.js';
import { discoverReturnTo, yadisDiscover } from '../../src/discovery/yadis.js';
import { TYPE_RP_RETURN_TO } from '../../src/protocol/constants.js';
import { DiscoveryError, FetchError } from '../../src/protocol/errors.js';
import { readVector } from '../helpers/vectors.js';
import { startServer, type TestServer } from './helpers/server.js';

// ---------------------------------------------------------------- test1-discover.txt

interface Record_ {
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
}

/** (succeeds with an XRDS, input, final URL name, XRDS name) — python-openid's discoverdata table. */
const DISCOVER_CASES: ReadonlyArray<readonly [boolean, string, string | null, string | null]> = [
  [true, 'equiv', 'equiv', 'xrds'],
  [true, 'header', 'header', 'xrds'],
  [true, 'lowercase_header', 'lowercase_header', 'xrds'],
  [true, 'xrds', 'xrds', 'xrds'],
  [true, 'xrds_ctparam', 'xrds_ctparam', 'xrds_ctparam'],
  [true, 'xrds_ctcase', 'xrds_ctcase', 'xrds_ctcase'],
  [false, 'xrds_html', 'xrds_html', 'xrds_html'],
  [true, 'redir_equiv', 'equiv', 'xrds'],
  [true, 'redir_header', 'header', 'xrds'],
  [true, 'redir_xrds', 'xrds', 'xrds'],
  [false, 'redir_xrds_html', 'xrds_html', 'xrds_html'],
  [true, 'redir_redir_equiv', 'equiv', 'xrds'],
  [false, '404_server_response', null, null],
  [false, '404_with_header', null, null],
  [false, '404_with_meta', null, null],
  [false, '201_server_response', null, null],
  [false, '500_server_response', null, null],
];

function loadRecords(base: string): Map<string, Record_> {
  const exampleXrds = readVector('openid/test/data/example-xrds.xml');
  const records = new Map<string, Record_>();
  for (const raw of readVector('openid/test/data/test1-discover.txt').split('\f\n')) {
    const nl = raw.indexOf('\n');
    const name = raw.slice(0, nl);
    const filled = raw
      .slice(nl + 1)
      .replaceAll('URL_BASE/', `${base}/`)
      .replaceAll('<XRDS Content>', exampleXrds)
      .replaceAll('YADIS_HEADER', 'X-XRDS-Location')
      .replaceAll('NAME', name);
    const split = filled.indexOf('\n\n');
    const [statusLine, ...headerLines] = filled.slice(0, split).split('\n');
    const status = Number(/^Status: (\d+)/.exec(statusLine ?? '')?.[1]);
    const headers = headerLines.map((line): [string, string] => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
    records.set(name, { status, headers, body: filled.slice(split + 2) });
  }
  return records;
}

describe('test1-discover.txt vectors (python-openid Yadis discovery)', () => {
  let server: TestServer;
  let records = new Map<string, Record_>();

  before(async () => {
    server = await startServer((req, res) => {
      const record = records.get((req.url ?? '/').slice(1));
      if (record === undefined) {
        res.writeHead(404);
        res.end();
        return;
      }
      // Header names as written in the vectors (the lowercase_header case depends on it).
      res.writeHead(record.status, record.headers.flat());
      res.end(record.body);
    });
    records = loadRecords(server.base);
  });
  after(() => server.close());

  test('the vector file holds a record for every case', () => {
    for (const [, input] of DISCOVER_CASES) assert.ok(records.has(input), input);
    assert.equal(DISCOVER_CASES.length, 17);
  });

  for (const [success, input, idName, xrdsName] of DISCOVER_CASES) {
    const outcome = success ? `finds the XRDS at ${xrdsName}` : idName === null ? 'fails' : 'finds no XRDS';
    test(`yadis: ${input} ${outcome}`, async () => {
      const fetcher = createFetcher({ allowPrivateNetworks: true });
      const url = `${server.base}/${input}`;
      if (idName === null) {
        await assert.rejects(
          yadisDiscover(url, fetcher),
          (err: unknown) => err instanceof FetchError && err.code === 'http_status' && err.status !== 200,
        );
        return;
      }
      const result = await yadisDiscover(url, fetcher);
      assert.equal(result.requestedUrl, url);
      assert.equal(result.finalUrl, `${server.base}/${idName}`);
      const expectedBody = records.get(xrdsName as string)!.body;
      if (success) {
        assert.equal(result.xrdsUrl, `${server.base}/${xrdsName}`);
        assert.equal(result.xrdsText, expectedBody);
      } else {
        assert.equal(result.xrdsUrl, null);
        assert.equal(result.xrdsText, null);
        assert.equal(result.html, expectedBody);
      }
    });
  }
});

// ---------------------------------------------------------------- relying-party discovery (§13)

const RP_XRDS = `<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)">
  <XRD>
    <Service priority="20">
      <Type>${TYPE_RP_RETURN_TO}</Type>
      <URI>https://rp.example/return/b</URI>
    </Service>
    <Service priority="10">
      <Type>${TYPE_RP_RETURN_TO}</Type>
      <URI priority="2">https://rp.example/return/a2</URI>
      <URI priority="1">https://rp.example/return/a1</URI>
    </Service>
    <Service priority="0">
      <Type>http://specs.openid.net/auth/2.0/signon</Type>
      <URI>https://op.example/</URI>
    </Service>
  </XRD>
</xrds:XRDS>`;

describe('discoverReturnTo (relying-party discovery, §13)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer((req, res) => {
      switch (req.url) {
        case '/realm':
          res.writeHead(200, { 'content-type': 'text/html', 'x-xrds-location': '/realm.xrds' });
          res.end('<html><head></head></html>');
          return;
        case '/realm.xrds':
          res.writeHead(200, { 'content-type': 'application/xrds+xml' });
          res.end(RP_XRDS);
          return;
        case '/plain':
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<html><head><title>no xrds</title></head></html>');
          return;
        case '/moved':
          res.writeHead(302, { location: '/realm' });
          res.end();
          return;
        default:
          res.writeHead(404);
          res.end();
      }
    });
  });
  after(() => server.close());
  const fetcher = createFetcher({ allowPrivateNetworks: true });

  test('returns the advertised return_to URLs in priority order, other services left out', async () => {
    assert.deepEqual(await discoverReturnTo(`${server.base}/realm`, fetcher), [
      'https://rp.example/return/a1',
      'https://rp.example/return/a2',
      'https://rp.example/return/b',
    ]);
  });

  test('returns nothing when the realm has no XRDS', async () => {
    assert.deepEqual(await discoverReturnTo(`${server.base}/plain`, fetcher), []);
  });

  test('refuses a realm URL that redirects elsewhere', async () => {
    await assert.rejects(
      discoverReturnTo(`${server.base}/moved`, fetcher),
      (err: unknown) => err instanceof DiscoveryError && err.code === 'rp_discovery_redirected',
    );
  });

  test('goes through the SSRF guard of the fetcher it is given', async () => {
    await assert.rejects(
      discoverReturnTo(`${server.base}/realm`, createFetcher()),
      (err: unknown) => err instanceof FetchError && err.code === 'fetch_blocked',
    );
  });
});
