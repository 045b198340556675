import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeIdentifier } from '../../src/discovery/discover.js';
import { DiscoveryError } from '../../src/protocol/errors.js';
import { isError } from './helpers/errors.js';

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
