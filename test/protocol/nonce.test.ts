import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { OpenIDError, ProtocolError } from '../../src/protocol/errors.js';
import {
  checkNonceTime,
  DEFAULT_NONCE_SALT_LENGTH,
  DEFAULT_NONCE_SKEW,
  MAX_NONCE_LENGTH,
  makeNonce,
  splitNonce,
} from '../../src/protocol/nonce.js';

const malformed = (e: unknown) => e instanceof ProtocolError && e.code === 'nonce_malformed';
const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) =>
  Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
const printable = fc
  .array(fc.integer({ min: 33, max: 126 }), { maxLength: MAX_NONCE_LENGTH - 20 })
  .map((codes) => String.fromCharCode(...codes));

describe('makeNonce', () => {
  test('formats the time as YYYY-MM-DDTHH:MM:SSZ followed by the salt (spec §10.1 example)', () => {
    assert.equal(makeNonce(utc(2005, 5, 15, 17, 11, 51), 'UNIQUE'), '2005-05-15T17:11:51ZUNIQUE');
  });

  test('drops fractions of a second', () => {
    assert.equal(makeNonce(utc(2024, 2, 29, 23, 59, 59) + 0.999, ''), '2024-02-29T23:59:59Z');
  });

  test('adds a random printable salt of the default length when none is given', () => {
    const nonce = makeNonce(utc(2024, 1, 1));
    assert.match(nonce, /^2024-01-01T00:00:00Z[\x21-\x7e]+$/);
    assert.equal(nonce.length, 20 + DEFAULT_NONCE_SALT_LENGTH);
  });

  test('makes unique nonces within one second (security case NO-14, 100 000 draws)', () => {
    const now = utc(2024, 1, 1);
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i += 1) seen.add(makeNonce(now));
    assert.equal(seen.size, 100_000);
  });

  test('uses every printable character for the salt', () => {
    const chars = new Set<string>();
    for (let i = 0; i < 2000; i += 1) for (const c of makeNonce(0).slice(20)) chars.add(c);
    assert.equal(chars.size, 94);
  });

  test('accepts a salt that fills the nonce to exactly 255 characters', () => {
    assert.equal(makeNonce(0, 'x'.repeat(235)).length, 255);
  });

  const badSalts: Array<[string, string]> = [
    ['a space', 'a b'],
    ['a newline', 'a\nb'],
    ['NUL', 'a\0'],
    ['DEL', '\x7f'],
    ['non-ASCII', 'é'],
    ['a salt making the nonce 256 characters', 'x'.repeat(236)],
  ];
  for (const [what, salt] of badSalts) {
    test(`refuses a salt with ${what}`, () => {
      assert.throws(() => makeNonce(0, salt), malformed);
    });
  }

  for (const t of [Number.NaN, Number.POSITIVE_INFINITY, -1, 253402300800]) {
    test(`refuses the time ${t}`, () => {
      assert.throws(() => makeNonce(t, ''), malformed);
    });
  }

  test('round-trips through splitNonce for every time and printable salt', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 253402300799 }), printable, (t, salt) => {
        const nonce = makeNonce(t, salt);
        assert.deepEqual(splitNonce(nonce), { timestamp: t, salt });
        assert.equal(nonce.slice(0, 19), new Date(t * 1000).toISOString().slice(0, 19));
      }),
      { numRuns: 500 },
    );
  });
});

describe('splitNonce', () => {
  test('splits the timestamp and the salt', () => {
    assert.deepEqual(splitNonce('2005-05-15T17:11:51ZUNIQUE'), {
      timestamp: utc(2005, 5, 15, 17, 11, 51),
      salt: 'UNIQUE',
    });
  });

  test('accepts an empty salt and a salt containing Z', () => {
    assert.deepEqual(splitNonce('2023-01-01T00:00:00Z'), { timestamp: utc(2023, 1, 1), salt: '' });
    assert.deepEqual(splitNonce('2023-01-01T00:00:00ZZZ'), { timestamp: utc(2023, 1, 1), salt: 'ZZ' });
  });

  test('accepts February 29 of leap years, including 2000 and 2400', () => {
    assert.equal(splitNonce('2024-02-29T12:00:00Zx').timestamp, utc(2024, 2, 29, 12));
    assert.equal(splitNonce('2000-02-29T00:00:00Zx').timestamp, utc(2000, 2, 29));
    assert.equal(splitNonce('2400-02-29T00:00:00Zx').timestamp, utc(2400, 2, 29));
  });

  test('accepts the ends of the four-digit year range', () => {
    assert.equal(splitNonce('0000-01-01T00:00:00Z').timestamp, -62167219200);
    assert.equal(splitNonce('9999-12-31T23:59:59Z').timestamp, 253402300799);
    assert.equal(splitNonce('1969-12-31T23:59:59Z').timestamp, -1);
  });

  // Security case NO-08 and NO-09: only the exact §10.1 form, a real date and time.
  const bad: Array<[string, string]> = [
    ['a UTC offset instead of Z', '2023-06-18T12:52:43+02:00abc'],
    ['lower-case z', '2023-06-18T12:52:43zabc'],
    ['lower-case t', '2023-06-18t12:52:43Zabc'],
    ['fractional seconds', '2023-06-18T12:52:43.123Zabc'],
    ['a space instead of T', '2023-06-18 12:52:43Zabc'],
    ['no Z after the time', '2023-06-18T12:52:43'],
    ['no Z, salt right after the seconds', '2023-06-18T12:52:43abc'],
    ['month 13', '2023-13-01T00:00:00Z'],
    ['month 00', '2023-00-10T00:00:00Z'],
    ['day 00', '2023-01-00T00:00:00Z'],
    ['February 29 of a common year', '2023-02-29T00:00:00Z'],
    ['February 29 of 1900', '1900-02-29T00:00:00Z'],
    ['February 30', '2024-02-30T00:00:00Z'],
    ['April 31', '2023-04-31T00:00:00Z'],
    ['hour 24', '2023-01-01T24:00:00Z'],
    ['minute 60', '2023-01-01T23:60:00Z'],
    ['leap second 60', '2016-12-31T23:59:60Z'],
    ['a five-digit year', '12023-01-01T00:00:00Z'],
    ['a two-digit year', '23-01-01T00:00:00Z'],
    ['one-digit month', '2023-1-01T00:00:00Z'],
    ['full-width digits', '２０２３-01-01T00:00:00Z'],
    ['Arabic-Indic digits', '٢٠٢٣-01-01T00:00:00Z'],
    ['a leading space', ' 2023-01-01T00:00:00Z'],
    ['a space in the salt', '2023-01-01T00:00:00Zab c'],
    ['a newline in the salt', '2023-01-01T00:00:00Zabc\n'],
    ['NUL in the salt', '2023-01-01T00:00:00Zabc\0'],
    ['DEL in the salt', '2023-01-01T00:00:00Z\x7f'],
    ['non-ASCII in the salt', '2023-01-01T00:00:00Zé'],
    ['256 characters', `2023-01-01T00:00:00Z${'x'.repeat(236)}`],
    ['a very long string', `2023-01-01T00:00:00Z${'x'.repeat(100_000)}`],
    ['the empty string', ''],
    ['only the date', '2023-01-01'],
  ];
  for (const [what, nonce] of bad) {
    test(`rejects a nonce with ${what}`, () => {
      assert.throws(() => splitNonce(nonce), malformed);
    });
  }

  test('accepts exactly 255 characters', () => {
    assert.equal(splitNonce(`2023-01-01T00:00:00Z${'x'.repeat(235)}`).salt.length, 235);
  });

  test('either rejects any string as malformed or gives parts that rebuild it exactly', () => {
    const nonceLike = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc
        .tuple(fc.integer({ min: 0, max: 253402300799 }), printable)
        .map(([t, s]) => makeNonce(t, s))
        .chain((n) => fc.nat(n.length).map((i) => n.slice(0, i) + n.slice(i + 1))),
    );
    fc.assert(
      fc.property(nonceLike, (text) => {
        let parts: { timestamp: number; salt: string };
        try {
          parts = splitNonce(text);
        } catch (e) {
          assert.ok(malformed(e));
          return;
        }
        if (parts.timestamp >= 0) assert.equal(makeNonce(parts.timestamp, parts.salt), text);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('checkNonceTime', () => {
  const now = utc(2024, 6, 1, 12);
  const at = (t: number) => makeNonce(t, 'salt');

  test('accepts a nonce made now and returns its timestamp', () => {
    assert.deepEqual(checkNonceTime(at(now), now), { ok: true, timestamp: now });
  });

  test('accepts a nonce exactly at either end of the default 5-hour window', () => {
    assert.equal(DEFAULT_NONCE_SKEW, 18000);
    assert.equal(checkNonceTime(at(now - DEFAULT_NONCE_SKEW), now).ok, true);
    assert.equal(checkNonceTime(at(now + DEFAULT_NONCE_SKEW), now).ok, true);
  });

  test('rejects as nonce_skew a nonce one second too old or too far in the future', () => {
    const old = checkNonceTime(at(now - DEFAULT_NONCE_SKEW - 1), now);
    assert.equal(old.ok, false);
    assert.equal(!old.ok && old.code, 'nonce_skew');
    const future = checkNonceTime(at(now + DEFAULT_NONCE_SKEW + 1), now);
    assert.equal(!future.ok && future.code, 'nonce_skew');
  });

  test('rejects far past and far future nonces (security case NO-07)', () => {
    const past = checkNonceTime('2005-05-15T17:11:51Zx', now);
    assert.equal(!past.ok && past.code, 'nonce_skew');
    const future = checkNonceTime('2099-01-01T00:00:00Zx', now);
    assert.equal(!future.ok && future.code, 'nonce_skew');
  });

  test('honours a custom skew', () => {
    assert.equal(checkNonceTime(at(now - 300), now, { skewSeconds: 300 }).ok, true);
    const r = checkNonceTime(at(now - 301), now, { skewSeconds: 300 });
    assert.equal(!r.ok && r.code, 'nonce_skew');
    assert.equal(checkNonceTime(at(now), now, { skewSeconds: 0 }).ok, true);
    assert.equal(checkNonceTime(at(now + 1), now, { skewSeconds: 0 }).ok, false);
  });

  test('reports a malformed nonce as nonce_malformed instead of throwing', () => {
    const r = checkNonceTime('2023-06-18T12:52:43+02:00abc', now);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.code, 'nonce_malformed');
  });

  test('takes a timestamp instead of a nonce', () => {
    assert.deepEqual(checkNonceTime(now - 10, now), { ok: true, timestamp: now - 10 });
    const frac = checkNonceTime(now + 0.5, now);
    assert.equal(!frac.ok && frac.code, 'nonce_malformed');
    const nan = checkNonceTime(Number.NaN, now);
    assert.equal(!nan.ok && nan.code, 'nonce_malformed');
  });

  test('refuses a negative or non-finite skew and a non-finite now as programming errors', () => {
    const bad = (e: unknown) => e instanceof OpenIDError && e.code === 'invalid_option';
    assert.throws(() => checkNonceTime(at(now), now, { skewSeconds: -1 }), bad);
    assert.throws(() => checkNonceTime(at(now), now, { skewSeconds: Number.NaN }), bad);
    assert.throws(() => checkNonceTime(at(now), Number.NaN), bad);
  });

  test('agrees with |timestamp - now| <= skew for any times', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.integer({ min: -40_000, max: 40_000 }),
        fc.integer({ min: 0, max: 36_000 }),
        (t, delta, skew) => {
          const r = checkNonceTime(makeNonce(t, 'x'), t + delta, { skewSeconds: skew });
          assert.equal(r.ok, Math.abs(delta) <= skew);
          if (!r.ok) assert.equal(r.code, 'nonce_skew');
        },
      ),
      { numRuns: 500 },
    );
  });
});
