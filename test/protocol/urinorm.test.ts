import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ProtocolError } from '../../src/protocol/errors.js';
import { normalizeUri, removeDotSegments } from '../../src/protocol/urinorm.js';
import { readVector } from '../helpers/vectors.js';

interface UrinormCase {
  readonly name: string;
  readonly input: string;
  readonly expected: string; // 'fail' when the URI must be rejected
}

function loadCases(): UrinormCase[] {
  const cases: UrinormCase[] = [];
  for (const block of readVector('openid/test/urinorm.txt').split('\n\n')) {
    const [name, input, expected] = block.split('\n');
    if (name === undefined || name === '' || input === undefined || expected === undefined) continue;
    cases.push({ name, input, expected });
  }
  return cases;
}

const cases = loadCases();

describe('urinorm.txt vectors (python-openid)', () => {
  test('the vector file holds its 22 cases', () => {
    assert.equal(cases.length, 22);
  });
  for (const c of cases) {
    test(`vector: ${c.name}`, () => {
      if (c.expected === 'fail') {
        assert.throws(
          () => normalizeUri(c.input),
          (err: unknown) => err instanceof ProtocolError && err.code === 'uri_invalid',
        );
      } else {
        assert.equal(normalizeUri(c.input), c.expected);
      }
    });
  }
});

function rejects(uri: string, fragment?: RegExp): void {
  assert.throws(
    () => normalizeUri(uri),
    (err: unknown) =>
      err instanceof ProtocolError &&
      err.code === 'uri_invalid' &&
      (fragment ? fragment.test(err.message) : true),
  );
}

describe('normalizeUri', () => {
  test('lower-cases scheme and host and drops the default https port', () => {
    assert.equal(normalizeUri('HTTPS://Example.COM:443/Path'), 'https://example.com/Path');
  });

  test('keeps a non-default port, without leading zeros', () => {
    assert.equal(normalizeUri('http://example.com:0080/'), 'http://example.com/');
    assert.equal(normalizeUri('http://example.com:8080'), 'http://example.com:8080/');
    assert.equal(normalizeUri('https://example.com:80/'), 'https://example.com:80/');
  });

  test('converts an IDN host to punycode', () => {
    assert.equal(normalizeUri('http://bücher.example/'), 'http://xn--bcher-kva.example/');
  });

  test('folds full-width host characters the way the fetcher will (UR-02)', () => {
    assert.equal(normalizeUri('https://ｏｐ.ｅｘａｍｐｌｅ/id'), 'https://op.example/id');
  });

  test('keeps a homograph host distinct from the ASCII host (UR-01)', () => {
    assert.notEqual(normalizeUri('https://steamcommunіty.com/'), 'https://steamcommunity.com/');
    assert.match(normalizeUri('https://steamcommunіty.com/'), /^https:\/\/xn--/);
  });

  test('writes numeric IPv4 spellings as the dotted quad that is fetched (SS-04)', () => {
    assert.equal(normalizeUri('http://2130706433/'), 'http://127.0.0.1/');
    assert.equal(normalizeUri('http://0x7f.1/'), 'http://127.0.0.1/');
    assert.equal(normalizeUri('http://127.1/'), 'http://127.0.0.1/');
  });

  test('writes IPv6 literals in their canonical lower-case form', () => {
    assert.equal(normalizeUri('http://[::FFFF:127.0.0.1]:80/'), 'http://[::ffff:7f00:1]/');
    assert.equal(normalizeUri('https://[2001:DB8:0:0::1]/'), 'https://[2001:db8::1]/');
  });

  test('keeps a trailing dot on the host: a distinct spelling, never silently merged (UR-04)', () => {
    assert.equal(normalizeUri('https://OP.example./id'), 'https://op.example./id');
    assert.notEqual(normalizeUri('https://op.example./id'), normalizeUri('https://op.example/id'));
  });

  test('rejects an IPv6 zone identifier (UR-07)', () => {
    rejects('http://[fe80::1%25eth0]/', /zone/);
  });

  test('never decodes an encoded CR, LF or space (SS-15)', () => {
    assert.equal(
      normalizeUri('http://evil.example/%0d%0aHost:%20internal'),
      'http://evil.example/%0D%0AHost:%20internal',
    );
  });

  test('decodes unreserved characters before removing dot segments', () => {
    assert.equal(normalizeUri('http://example.com/a/%2E%2E/b/%7Euser'), 'http://example.com/b/~user');
  });

  test('keeps %2F encoded (a slash inside a segment is not a separator)', () => {
    assert.equal(normalizeUri('http://example.com/a%2fb'), 'http://example.com/a%2Fb');
  });

  test('percent-encodes non-ASCII path and query characters as UTF-8 (IRI to URI)', () => {
    assert.equal(normalizeUri('http://example.com/é?q=ü'), 'http://example.com/%C3%A9?q=%C3%BC');
  });

  test('keeps NFC and NFD spellings distinct (no Unicode folding, UR-05)', () => {
    assert.notEqual(normalizeUri('http://example.com/\u00e9'), normalizeUri('http://example.com/e\u0301'));
  });

  test('keeps query and fragment, normalizing their escapes', () => {
    assert.equal(normalizeUri('http://example.com?a=%7e&b=%2c#F%2d'), 'http://example.com/?a=~&b=%2C#F-');
  });

  test('rejects user information in the authority', () => {
    rejects('http://user:pass@example.com/', /user/);
  });

  test('rejects a backslash (UR-03)', () => {
    rejects('https://op.example\\@evil.example/');
    rejects('http://example.com/a\\b');
  });

  test('rejects spaces, controls and NUL (UR-06)', () => {
    rejects('http://example.com/a b');
    rejects('http://example.com/\u0000');
    rejects('http://example.com/\u0085');
  });

  test('rejects bad percent-escapes', () => {
    rejects('http://example.com/%zz', /percent/);
    rejects('http://example.com/%4', /percent/);
  });

  test('rejects an empty host', () => {
    rejects('http:///path', /host/);
    rejects('http://:80/', /host/);
  });

  test('rejects bad ports', () => {
    rejects('http://example.com:80a/', /port/);
    rejects('http://example.com:65536/', /port/);
  });

  test('rejects non-http schemes (SS-08)', () => {
    for (const uri of [
      'file:///etc/passwd',
      'gopher://x/',
      'data:text/html,x',
      'javascript:alert(1)',
      'ftp://x/',
    ]) {
      rejects(uri);
    }
  });

  test('rejects a relative reference', () => {
    rejects('example.com/path');
    rejects('//example.com/');
  });

  test('removeDotSegments follows RFC 3986 §5.2.4 examples', () => {
    assert.equal(removeDotSegments('/a/b/c/./../../g'), '/a/g');
    assert.equal(removeDotSegments('mid/content=5/../6'), 'mid/6');
  });

  test('is idempotent on every URI it accepts (property)', () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,8}$/);
    const uri = fc
      .record({
        scheme: fc.constantFrom('http', 'HTTP', 'https', 'HtTpS'),
        host: fc.constantFrom('example.com', 'EXAMPLE.com', 'bücher.de', '127.0.0.1', '[::1]', 'a-b.c'),
        port: fc.constantFrom('', ':80', ':443', ':8080', ':'),
        path: fc.array(fc.oneof(segment, fc.constantFrom('.', '..', '%2e', '%7E')), { maxLength: 5 }),
        query: fc.option(segment, { nil: undefined }),
      })
      .map(
        (p) =>
          `${p.scheme}://${p.host}${p.port}/${p.path.join('/')}${p.query === undefined ? '' : `?${p.query}`}`,
      );
    fc.assert(
      fc.property(uri, (u) => {
        let once: string;
        try {
          once = normalizeUri(u);
        } catch (err) {
          // Generated '%' not followed by two hex digits is a legitimate rejection.
          assert.ok(err instanceof ProtocolError && err.code === 'uri_invalid');
          return;
        }
        assert.equal(normalizeUri(once), once);
      }),
      { numRuns: 300 },
    );
  });
});
