/**
 * Security cases XML-01 … XML-08 (docs/security-cases.md §15): hostile
 * XRDS documents served over real HTTP on 127.0.0.1 and discovered as the
 * relying party does. An "internal" server stands for every address an
 * entity, DTD, XInclude or schema location could make the parser fetch: it
 * must see no request. Parser unit tests are in test/discovery/xrds.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { discover } from '../../src/discovery/discover.js';
import { OpenIDError } from '../../src/protocol/errors.js';
import { startServer, type TestServer } from '../discovery/helpers/server.js';
import { type Page, startPages } from './pages.js';

const SIGNON = 'http://specs.openid.net/auth/2.0/signon';
const SERVER = 'http://specs.openid.net/auth/2.0/server';
const OID11 = 'http://openid.net/signon/1.1';
const xrds = (inner: string, prolog = '') => ({
  type: 'application/xrds+xml',
  body: `<?xml version="1.0" encoding="UTF-8"?>${prolog}<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)">${inner}</xrds:XRDS>`,
});
const service = (type: string, uri: string, priority?: number) =>
  `<Service${priority === undefined ? '' : ` priority="${priority}"`}><Type>${type}</Type><URI>${uri}</URI></Service>`;
const xrd = (...services: string[]) => `<XRD>${services.join('')}</XRD>`;

let internal: TestServer;
let site: TestServer;

before(async () => {
  internal = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('<!ENTITY x "leaked">');
  });
  const i = internal.base;
  const pages: Record<string, Page> = {
    '/xml01': xrds(xrd(service(SIGNON, '&e;')), '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'),
    '/xml02-system': xrds(xrd(service(SIGNON, 'https://op.example/')), `<!DOCTYPE x SYSTEM "${i}/dtd">`),
    '/xml02-param': xrds(
      xrd(service(SIGNON, 'https://op.example/')),
      `<!DOCTYPE x [<!ENTITY % p SYSTEM "${i}/x.dtd"> %p;]>`,
    ),
    '/xml03': xrds(
      xrd(service(SIGNON, '&l9;')),
      `<!DOCTYPE x [<!ENTITY l0 "ha">${Array.from({ length: 9 }, (_, n) => `<!ENTITY l${n + 1} "${`&l${n};`.repeat(10)}">`).join('')}]>`,
    ),
    '/xml04': xrds(
      xrd(service(SIGNON, `https://op.example/${'&big;'.repeat(10000)}`)),
      `<!DOCTYPE x [<!ENTITY big "${'a'.repeat(100_000)}">]>`,
    ),
    '/xml05-deep': xrds(`${'<XRD>'.repeat(5000)}${'</XRD>'.repeat(5000)}`),
    '/xml05-many': xrds(xrd(...Array.from({ length: 30_000 }, () => '<Service/>'))),
    '/xml06': {
      type: 'text/html',
      body: `<!DOCTYPE html [<!ENTITY e SYSTEM "${i}/html-entity">]><html><head><link rel="openid2.provider" href="https://op.example/&e;"></head></html>`,
    },
    '/xml07-last-xrd': xrds(
      xrd(service(SIGNON, 'https://first.example/op')) + xrd(service(SIGNON, 'https://last.example/op')),
    ),
    '/xml07-priority': xrds(
      xrd(service(OID11, 'https://v1.example/op', 0), service(SIGNON, 'https://v2.example/op', 10)),
    ),
    '/xml07-whitespace': xrds(xrd(service(` ${SIGNON}\n`, ' https://op.example/op '))),
    '/xml07-wrong-ns': {
      type: 'application/xrds+xml',
      body: `<xrds:XRDS xmlns:xrds="xri://$xrds"><XRD xmlns="urn:not-xrd">${service(SIGNON, 'https://evil.example/op')}</XRD></xrds:XRDS>`,
    },
    '/xml07-op-identifier': xrds(
      xrd(service(SIGNON, 'https://signon.example/op', 0), service(SERVER, 'https://server.example/op', 5)),
    ),
    '/xml08': xrds(
      xrd(
        `<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="${i}/xinclude"/>`,
        `<Service xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x ${i}/schema.xsd"><Type>${SIGNON}</Type><URI>https://op.example/op</URI></Service>`,
      ),
    ),
  };
  site = await startPages(pages);
});
after(async () => {
  await site.close();
  await internal.close();
});

const open = { fetch: { allowPrivateNetworks: true } };
const codeOf = async (path: string): Promise<string> => {
  try {
    await discover(`${site.base}${path}`, open);
  } catch (e) {
    assert.ok(e instanceof OpenIDError, String(e));
    return e.code;
  }
  assert.fail(`discovery of ${path} should have failed`);
};
const endpointsOf = async (path: string) =>
  (await discover(`${site.base}${path}`, open)).endpoints.map((e) => e.opEndpoint);

describe('XML: hostile XRDS over HTTP', () => {
  test('XML-01 an external entity in a service URI: xml_dtd_forbidden, no file read', async () => {
    assert.equal(await codeOf('/xml01'), 'xml_dtd_forbidden');
  });

  test('XML-02 an external DTD or parameter entity: refused, and the parser fetches nothing', async () => {
    assert.equal(await codeOf('/xml02-system'), 'xml_dtd_forbidden');
    assert.equal(await codeOf('/xml02-param'), 'xml_dtd_forbidden');
    assert.deepEqual(internal.seen, []);
  });

  test('XML-03 billion laughs: refused at the DOCTYPE, before any expansion', async () => {
    assert.equal(await codeOf('/xml03'), 'xml_dtd_forbidden');
  });

  test('XML-04 quadratic blowup (one 100 KB entity referenced 10,000 times): refused', async () => {
    assert.equal(await codeOf('/xml04'), 'xml_dtd_forbidden');
  });

  test('XML-05 5,000 nested elements and 30,000 services: refused by the depth and count caps', async () => {
    assert.equal(await codeOf('/xml05-deep'), 'xrds_too_large');
    assert.equal(await codeOf('/xml05-many'), 'xrds_too_large');
  });

  test('XML-06 an HTML page with a DOCTYPE entity: the entity is not resolved and nothing is fetched', async () => {
    const [endpoint] = await endpointsOf('/xml06');
    assert.equal(endpoint, 'https://op.example/&e;');
    assert.deepEqual(internal.seen, []);
  });

  test('XML-07 the last XRD holds the services (Yadis)', async () => {
    assert.deepEqual(await endpointsOf('/xml07-last-xrd'), ['https://last.example/op']);
  });

  test('XML-07 a 1.x service with a better priority does not outrank a 2.0 one', async () => {
    assert.deepEqual(await endpointsOf('/xml07-priority'), [
      'https://v2.example/op',
      'https://v1.example/op',
    ]);
  });

  test('XML-07 an OP identifier service wins over a signon service', async () => {
    assert.deepEqual(await endpointsOf('/xml07-op-identifier'), ['https://server.example/op']);
  });

  test('XML-07 whitespace around Type and URI is trimmed, deterministically', async () => {
    assert.deepEqual(await endpointsOf('/xml07-whitespace'), ['https://op.example/op']);
  });

  test('XML-07 services under a foreign namespace are not XRD services', async () => {
    assert.equal(await codeOf('/xml07-wrong-ns'), 'xrds_invalid');
  });

  test('XML-08 XInclude and xsi:schemaLocation fetch nothing', async () => {
    assert.deepEqual(await endpointsOf('/xml08'), ['https://op.example/op']);
    assert.deepEqual(internal.seen, []);
  });
});
