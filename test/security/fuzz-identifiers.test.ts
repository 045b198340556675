/**
 * Fuzzing the identifier-shaped parsers (issue 9): response_nonce split,
 * realm parse (and what a parsed realm offers), and RFC 3986 normalization.
 * Each returns or throws a typed `OpenIDError`, never anything else.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { checkNonceTime, splitNonce } from '../../src/protocol/nonce.js';
import { Realm } from '../../src/protocol/realm.js';
import { normalizeUri } from '../../src/protocol/urinorm.js';
import { FUZZ_TEST, NASTY, onlyTypedErrors, PARAMS, Tally, textOf } from './fuzz-harness.js';

/** URL-ish text: schemes, hosts, IP spellings, wildcards, ports, paths, escapes. */
const URL_PARTS = [
  'http://',
  'https://',
  'HTTP://',
  'ftp://',
  'javascript:',
  '//',
  '*.',
  '*',
  'example.com',
  'rp.example',
  'xn--',
  'co.uk',
  '127.0.0.1',
  '0x7f.1',
  '2130706433',
  '[::1]',
  '[fe80::1%25eth0]',
  ':',
  ':80',
  ':443',
  ':99999',
  '@',
  '/',
  '/./',
  '/../',
  '?',
  '&',
  '=',
  '#',
  '.',
  '%7e',
  '%2F',
  '%',
];
const urlText = textOf([...URL_PARTS, ...NASTY], 10);
const httpUrl = fc
  .tuple(fc.constantFrom('http://', 'https://', 'HTTPS://'), textOf([...URL_PARTS, ...NASTY], 8))
  .map(([s, rest]) => s + rest);

describe('fuzz: response_nonce', () => {
  test('splitNonce returns a valid time or throws nonce_malformed, on 10,000 nonces', FUZZ_TEST, () => {
    // Fields near and past their bounds (month 13, day 32, hour 24, second 60), zero-padded.
    const field = (max: number, width: number) =>
      fc.integer({ min: 0, max }).map((n) => String(n).padStart(width, '0'));
    const shaped = fc
      .tuple(
        field(10_000, 4),
        field(13, 2),
        field(32, 2),
        field(24, 2),
        field(60, 2),
        field(61, 2),
        fc.constantFrom('T', 'T', 'T', 't', ' '),
        fc.constantFrom('Z', 'Z', 'Z', 'z', '+00:00', '.5Z', ''),
        textOf(NASTY, 3),
      )
      .map(([y, mo, d, h, mi, s, t, z, salt]) => `${y}-${mo}-${d}${t}${h}:${mi}:${s}${z}${salt}`);
    const tally = new Tally();
    fc.assert(
      fc.property(fc.oneof(shaped, fc.string({ maxLength: 40, unit: 'binary' })), (nonce) => {
        const r = onlyTypedErrors(() => splitNonce(nonce));
        tally.add(r);
        if (r instanceof Error) {
          assert.equal(r.code, 'nonce_malformed');
          return;
        }
        assert.ok(Number.isSafeInteger(r.timestamp));
        assert.match(r.salt, /^[\x21-\x7e]*$/);
        assert.equal(checkNonceTime(nonce, r.timestamp).ok, true);
      }),
      PARAMS,
    );
    tally.assertBothSides('splitNonce');
  });
});

describe('fuzz: realm', () => {
  test(
    'Realm.parse never throws on 10,000 texts; a parsed realm answers isSane, validateUrl, discoveryUrl',
    FUZZ_TEST,
    () => {
      let parsed = 0;
      fc.assert(
        fc.property(fc.oneof(httpUrl, urlText), urlText, (text, candidate) => {
          const realm = Realm.parse(text);
          if (realm === null) return;
          parsed++;
          realm.isSane();
          assert.equal(typeof realm.validateUrl(candidate), 'boolean');
          // A realm's own canonical text parses back to the same realm, and discovery goes to http(s).
          assert.equal(Realm.parse(realm.toString())?.toString(), realm.toString());
          assert.match(realm.discoveryUrl(), /^https?:\/\//);
        }),
        PARAMS,
      );
      assert.ok(parsed > 0, 'some generated realms parsed');
    },
  );
});

describe('fuzz: URI normalization', () => {
  test(
    'normalizeUri returns an idempotent http(s) URI or throws a typed error, on 10,000 URIs',
    FUZZ_TEST,
    () => {
      const tally = new Tally();
      fc.assert(
        fc.property(fc.oneof(httpUrl, urlText), (uri) => {
          const r = onlyTypedErrors(() => normalizeUri(uri));
          tally.add(r);
          if (r instanceof Error) return;
          assert.match(r, /^https?:\/\//);
          assert.doesNotMatch(r, /[\r\n\0 ]/, 'no raw CR, LF, NUL or space in a normalized URI (SS-15)');
          assert.equal(normalizeUri(r), r);
        }),
        PARAMS,
      );
      tally.assertBothSides('normalizeUri');
    },
  );
});
