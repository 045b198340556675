/**
 * Fuzzing the discovery parsers (issue 9): XRDS documents and HTML identity
 * pages built from a soup of genuine and hostile pieces (DOCTYPEs,
 * entities, CDATA, comments, scripts, broken tags, odd namespaces). Parsing
 * and endpoint extraction return or throw a typed `OpenIDError`, and every
 * endpoint they yield is an absolute http(s) URL.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { discoverEndpointsFromHtml, discoverEndpointsFromXrds } from '../../src/discovery/endpoints.js';
import { findXrdsLocationMeta, parseHtmlLinks } from '../../src/discovery/html.js';
import { finalXrd, parseXrds, sortedServices, sortedUris } from '../../src/discovery/xrds.js';
import { FUZZ_TEST, NASTY, onlyTypedErrors, PARAMS, Tally, textOf } from './fuzz-harness.js';

const URIS = [
  'https://op.example/server',
  'http://127.0.0.1/',
  '/relative',
  'javascript:alert(1)',
  'file:///etc/passwd',
  '',
];
const uri = fc.constantFrom(...URIS);

function isHttp(u: string): boolean {
  try {
    const p = new URL(u).protocol;
    return p === 'http:' || p === 'https:';
  } catch {
    return false;
  }
}

describe('fuzz: XRDS', () => {
  const TYPES = [
    'http://specs.openid.net/auth/2.0/server',
    'http://specs.openid.net/auth/2.0/signon',
    'http://openid.net/signon/1.1',
    ' http://specs.openid.net/auth/2.0/signon ',
    'urn:other',
  ];
  const serviceBody = fc
    .array(
      fc.oneof(
        fc.constantFrom(...TYPES).map((t) => `<Type>${t}</Type>`),
        fc
          .tuple(
            uri,
            fc.constantFrom('', ' priority="0"', ' priority="10"', ' priority="-1"', ' priority="x"'),
          )
          .map(([u, p]) => `<URI${p}>${u}</URI>`),
        uri.map((u) => `<LocalID>${u}</LocalID>`),
        uri.map((u) => `<openid:Delegate xmlns:openid="http://openid.net/xmlns/1.0">${u}</openid:Delegate>`),
      ),
      { maxLength: 5 },
    )
    .map((parts) => parts.join(''));
  const service = fc
    .tuple(fc.constantFrom('', ' priority="1"', ' priority="2"', ' priority=""'), serviceBody)
    .map(([p, body]) => `<Service${p}>${body}</Service>`);
  const hostile = fc.constantFrom(
    '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE x SYSTEM "http://169.254.169.254/">',
    '&e;',
    '&amp;',
    '&#x41;',
    '&#0;',
    '<![CDATA[<URI>https://evil.example/</URI>]]>',
    '<!-- <URI>https://evil.example/</URI> -->',
    '<?xml-stylesheet href="http://127.0.0.1/"?>',
    '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>',
    '<Service>',
    '</Service>',
    '</XRD>',
    '<XRD xmlns="xri://$xrd*($v*2.0)">',
    '<a:b xmlns:a="">',
    '<',
    '>',
    ']]>',
  );
  const xrd = fc
    .array(fc.oneof({ weight: 4, arbitrary: service }, hostile, textOf(NASTY, 2)), { maxLength: 6 })
    .map((parts) => `<XRD xmlns="xri://$xrd*($v*2.0)">${parts.join('')}</XRD>`);
  const document = fc
    .tuple(
      fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>', '\ufeff', ' '),
      fc.array(hostile, { maxLength: 1 }),
      fc.constantFrom(
        '<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)">',
        '<XRDS xmlns="xri://$xrds">',
        '<xrds:XRDS xmlns:xrds="urn:wrong">',
        '<html>',
      ),
      fc.array(fc.oneof({ weight: 3, arbitrary: xrd }, hostile), { maxLength: 3 }),
      fc.constantFrom('</xrds:XRDS>', '</XRDS>', '', '</html>'),
    )
    .map(([decl, pre, open, body, close]) => decl + pre.join('') + open + body.join('') + close);

  test(
    'parseXrds and endpoint extraction: typed errors only, http(s) endpoints only, on 10,000 documents',
    FUZZ_TEST,
    () => {
      const tally = new Tally();
      fc.assert(
        fc.property(
          fc.oneof({ weight: 9, arbitrary: document }, textOf(['<', '>', '/', '"', '=', ...NASTY], 20)),
          (text) => {
            const doc = onlyTypedErrors(() => parseXrds(text));
            tally.add(doc);
            if (doc instanceof Error) return;
            for (const s of sortedServices(finalXrd(doc))) sortedUris(s);
            const endpoints = onlyTypedErrors(() => discoverEndpointsFromXrds('https://alice.example/', doc));
            if (endpoints instanceof Error) return;
            for (const e of endpoints) assert.ok(isHttp(e.opEndpoint), e.opEndpoint);
          },
        ),
        PARAMS,
      );
      tally.assertBothSides('parseXrds');
    },
  );
});

describe('fuzz: HTML discovery', () => {
  const link = fc
    .tuple(
      fc.constantFrom('link', 'LINK', 'Link'),
      fc.constantFrom(
        'openid2.provider',
        'openid2.local_id',
        'openid.server',
        'openid.delegate',
        'openid2.provider openid.server',
        'xopenid2.providerx',
        'OpenID2.Provider',
      ),
      uri,
      fc.constantFrom('"', "'", ''),
      fc.constantFrom('>', '/>', ' >', ''),
    )
    .map(([tag, rel, href, q, end]) => `<${tag} rel=${q}${rel}${q} href=${q}${href}${q}${end}`);
  const piece = fc.oneof(
    { weight: 4, arbitrary: link },
    fc.constantFrom(
      '<html>',
      '<head>',
      '</head>',
      '<body>',
      '</body>',
      '</html>',
      '<!--',
      '-->',
      '<script>',
      '</script>',
      '<noscript>',
      '<template>',
      '<![CDATA[',
      ']]>',
      '<title>',
      '<meta http-equiv="X-XRDS-Location" content="http://127.0.0.1/x">',
      '&amp;',
      '&nbsp;',
      '&#x6a;',
      '<',
      '"',
    ),
    textOf(NASTY, 2),
  );
  // Random pages rarely open <html><head> before a link (the discovery rule), so a share of the
  // pages wraps one generated link in that frame: both sides of the parser are exercised every run.
  const page = fc.oneof(
    { weight: 4, arbitrary: fc.array(piece, { maxLength: 14 }).map((parts) => parts.join('')) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(link, fc.array(piece, { maxLength: 4 }))
        .map(([l, rest]) => `<html><head>${l}${rest.join('')}`),
    },
  );

  test(
    'parseHtmlLinks, the X-XRDS-Location finder and endpoint extraction on 10,000 pages',
    FUZZ_TEST,
    () => {
      let found = 0;
      fc.assert(
        fc.property(page, (html) => {
          const links = parseHtmlLinks(html, 'https://alice.example/');
          for (const v of Object.values(links)) assert.ok(v === null || typeof v === 'string');
          const meta = findXrdsLocationMeta(html);
          assert.ok(meta === null || typeof meta === 'string');
          const endpoints = onlyTypedErrors(() => discoverEndpointsFromHtml('https://alice.example/', html));
          if (endpoints instanceof Error) return;
          found += endpoints.length;
          for (const e of endpoints) assert.ok(isHttp(e.opEndpoint), e.opEndpoint);
        }),
        PARAMS,
      );
      assert.ok(found > 0, 'some generated pages yielded endpoints');
    },
  );
});
