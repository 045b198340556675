import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Realm } from '../../src/protocol/realm.js';
import { readVector } from '../helpers/vectors.js';

// The python-openid trustroot.txt vectors; the rules one by one are in realm.test.ts.

/**
 * trustroot.txt: sections introduced by a `----` line, an `N: Label` line and
 * another `----` line, then N cases, one per line (blank and whitespace-only
 * lines are cases too). Returns [label, case] pairs.
 */
function readTrustRootFile(relPath: string): Array<[string, string]> {
  const lines = readVector(relPath).split('\n');
  const out: Array<[string, string]> = [];
  for (let i = 1; i < lines.length; i += 1) {
    const header = /^(\d+): (.+)$/.exec(lines[i] ?? '');
    if (header === null || !lines[i - 1]?.startsWith('----')) continue;
    const count = Number(header[1]);
    const first = i + 2;
    const cases = lines.slice(first, first + count);
    assert.equal(cases.length, count, `section ${header[2]} is complete`);
    for (const c of cases) out.push([header[2] as string, c]);
    i = first + count - 1;
  }
  return out;
}

const ORIGINAL = 'openid/test/data/trustroot.txt';
const VARIANTS = [
  '_variants/python-openid-3.2_openid-master-afa6ada/openid/test/data/trustroot.txt',
  '_variants/python3-openid-3.2.0_necaris-main-e142fb9/openid/test/data/trustroot.txt',
];

/**
 * Vectors judged wrong, with why; each is skipped by name below and its
 * behaviour here is pinned by a test of its own further down.
 */
const JUDGED_WRONG = new Map<string, string>([
  [
    'Does not parse\0http://π.pi.com/',
    'an IDN host is a valid IRI host: it is compared in its xn-- form (xn--1xa.pi.com), as the ' +
      'later python-openid fork (3.2, openid master) does by moving IDN realms to "Sane"',
  ],
  [
    'Does not parse\0http://lambda.com/Λ',
    'a non-ASCII path is an IRI path and maps to UTF-8 percent-escapes (/%CE%9B), as browsers send it; ' +
      'the openid master fork lists it as "Sane", the py3 fork dropped it',
  ],
  [
    'Insane\0http://..it/',
    'a host with empty DNS labels is not a host name (RFC 1034), so it does not parse at all; ' +
      'the openid master fork moved it to "Does not parse" (refused either way)',
  ],
  [
    'Insane\0http://.it/',
    'a host with an empty DNS label is not a host name (RFC 1034), so it does not parse at all; ' +
      'the openid master fork moved it to "Does not parse" (refused either way)',
  ],
]);

function check(label: string, line: string): void {
  switch (label) {
    case 'Does not parse':
      assert.equal(Realm.parse(line), null);
      return;
    case 'Insane':
    case 'Sane': {
      const realm = Realm.parse(line);
      assert.ok(realm !== null, 'parses');
      assert.equal(realm.isSane(), label === 'Sane');
      return;
    }
    case 'matches':
    case 'does not match': {
      const [realmText = '', url = ''] = line.split(/\s+/);
      const realm = Realm.parse(realmText);
      const matches = realm?.validateUrl(url) ?? false;
      assert.equal(matches, label === 'matches');
      return;
    }
    default:
      assert.fail(`unknown section ${label}`);
  }
}

const show = (line: string) => JSON.stringify(line);

describe('trustroot.txt vectors (python-openid 2.2.5)', () => {
  const cases = readTrustRootFile(ORIGINAL);
  test('the file has its 21 + 15 + 18 + 45 + 24 cases', () => {
    assert.equal(cases.length, 123);
  });
  for (const [label, line] of cases) {
    const skip = JUDGED_WRONG.get(`${label}\0${line}`) ?? false;
    test(`${label}: ${show(line)}`, { skip }, () => check(label, line));
  }
});

describe('trustroot.txt cases the later forks added', () => {
  const seen = new Set(readTrustRootFile(ORIGINAL).map(([l, c]) => `${l}\0${c}`));
  for (const variant of VARIANTS) {
    const fork = variant.split('/')[1];
    for (const [label, line] of readTrustRootFile(variant)) {
      const key = `${label}\0${line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const skip = JUDGED_WRONG.get(key) ?? false;
      test(`${fork} ${label}: ${show(line)}`, { skip }, () => check(label, line));
    }
  }
});

describe('vectors judged wrong: what this library does instead', () => {
  test('parses an IDN realm into its xn-- form and finds it sane', () => {
    const realm = Realm.parse('http://π.pi.com/');
    assert.equal(realm?.toString(), 'http://xn--1xa.pi.com/');
    assert.equal(realm?.isSane(), true);
    assert.equal(realm?.validateUrl('http://xn--1xa.pi.com/return'), true);
    assert.equal(realm?.validateUrl('http://π.pi.com/return'), true);
    assert.equal(realm?.validateUrl('http://pi.pi.com/return'), false);
  });

  test('parses a non-ASCII path into UTF-8 percent-escapes', () => {
    const realm = Realm.parse('http://lambda.com/Λ');
    assert.equal(realm?.toString(), 'http://lambda.com/%CE%9B');
    assert.equal(realm?.validateUrl('http://lambda.com/%ce%9b/x'), true);
    assert.equal(realm?.validateUrl('http://lambda.com/Λ/x'), true);
    assert.equal(realm?.validateUrl('http://lambda.com/Λx'), false);
  });

  test('refuses hosts with empty labels', () => {
    for (const text of [
      'http://.it/',
      'http://..it/',
      'http://*..it/',
      'http://foo..com/',
      'http://foo.com../',
    ]) {
      assert.equal(Realm.parse(text), null, text);
    }
  });
});
