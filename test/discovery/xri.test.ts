import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseXrds } from '../../src/discovery/xrds.js';
import { isXri, rootAuthority, xriCanonicalId, xriProxyUrl } from '../../src/discovery/xri.js';
import { DiscoveryError } from '../../src/protocol/errors.js';
import { readVector } from '../helpers/vectors.js';

/**
 * The CanonicalID cases of python-openid's test_etxrd (iname, file, expected):
 * a CanonicalID string, null (none asserted), or 'fraud'.
 */
const CANONICAL_ID_CASES: ReadonlyArray<readonly [string, string, string | null]> = [
  ['@ootao*test1', 'delegated-20060809.xrds', '@!5BAD.2AA.3C72.AF46!0000.0000.3B9A.CA01'],
  ['@ootao*test1', 'delegated-20060809-r1.xrds', '@!5BAD.2AA.3C72.AF46!0000.0000.3B9A.CA01'],
  ['@ootao*test1', 'delegated-20060809-r2.xrds', '@!5BAD.2AA.3C72.AF46!0000.0000.3B9A.CA01'],
  ['@ootao*test1', 'sometimesprefix.xrds', '@!5BAD.2AA.3C72.AF46!0000.0000.3B9A.CA01'],
  ['@ootao*test1', 'prefixsometimes.xrds', '@!5BAD.2AA.3C72.AF46!0000.0000.3B9A.CA01'],
  ['=keturn*isDrummond', 'spoof1.xrds', 'fraud'],
  ['=keturn*isDrummond', 'spoof2.xrds', 'fraud'],
  ['@keturn*is*drummond', 'spoof3.xrds', 'fraud'],
  ['=x', 'status222.xrds', null],
  ['xri://=nishitani*masaki', 'subsegments.xrds', '=!E117.EF2F.454B.C707!0000.0000.3B9A.CA01'],
  // An IRI authority may not be canonical for a global context symbol.
  ['phreak.example.com', 'delegated-20060809-r2.xrds', 'fraud'],
];

describe('XRI CanonicalID vectors (python-openid test_etxrd)', () => {
  for (const [iname, file, expected] of CANONICAL_ID_CASES) {
    test(`${file} for ${iname}: ${expected === 'fraud' ? 'rejected as fraud' : String(expected)}`, () => {
      const doc = parseXrds(readVector(`openid/test/data/test_etxrd/${file}`));
      if (expected === 'fraud') {
        assert.throws(
          () => xriCanonicalId(iname, doc),
          (err: unknown) => err instanceof DiscoveryError && err.code === 'xri_fraud',
        );
      } else {
        assert.equal(xriCanonicalId(iname, doc), expected);
      }
    });
  }

  test('ref.xrds (XRI Ref following) is not applicable: python-openid leaves it a TODO and openid2 does not follow Refs', {
    skip: 'no expected result to check: the resolver proxy, not openid2, follows XRI Refs',
  }, () => {});
});

describe('XRI helpers', () => {
  test('recognises XRIs by their global context symbol or cross-reference, with or without xri://', () => {
    for (const x of [
      '=alice',
      '@corp*alice',
      '+tag',
      '$dns*x',
      '!1234',
      '(http://x)',
      'xri://=alice',
      'XRI://@x',
    ]) {
      assert.ok(isXri(x), x);
    }
    for (const x of ['alice.example', 'http://=alice', 'https://example.com/', '']) assert.ok(!isXri(x), x);
  });

  test('finds the root authority of an XRI', () => {
    assert.equal(rootAuthority('=alice*bob'), '=');
    assert.equal(rootAuthority('xri://@corp'), '@');
    assert.equal(rootAuthority('(http://x.example)*y'), '(http://x.example)');
    assert.equal(rootAuthority('example.com!a*b/path'), 'example.com');
  });

  test('builds the proxy resolver URL, encoding what a URL path cannot carry', () => {
    assert.equal(
      xriProxyUrl('https://xri.example', '=alice'),
      'https://xri.example/=alice?_xrd_r=application%2Fxrds%2Bxml%3Bsep%3Dfalse',
    );
    assert.equal(
      xriProxyUrl('https://xri.example/', 'xri://=al ice*(http://x/y?z)'),
      'https://xri.example/=al%20ice*(http:%2F%2Fx%2Fy%3Fz)?_xrd_r=application%2Fxrds%2Bxml%3Bsep%3Dfalse',
    );
    assert.match(xriProxyUrl('https://xri.example/', '=josé'), /=jos%C3%A9\?/);
  });
});
