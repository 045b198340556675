import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { EncodingError, ProtocolError } from '../../src/protocol/errors.js';
import * as kvform from '../../src/protocol/kvform.js';

const code = (c: string) => (e: unknown) => e instanceof ProtocolError && e.code === c;

describe('key-value form (spec §4.1.1)', () => {
  test('serializes pairs as key:value lines, each ending in a newline', () => {
    assert.equal(kvform.serialize({ mode: 'error', error: 'x: y' }), 'mode:error\nerror:x: y\n');
    assert.equal(
      kvform.serialize([
        ['b', '1'],
        ['a', '2'],
      ]),
      'b:1\na:2\n',
    );
    assert.equal(kvform.serialize({}), '');
  });

  test('refuses a newline in a value, which would smuggle in another pair', () => {
    assert.throws(() => kvform.serialize({ mode: 'id_res\nis_valid:true' }), EncodingError);
    assert.throws(() => kvform.serialize({ mode: 'id_res\r' }), EncodingError);
  });

  test("refuses ':' or a newline in a key, and an empty key", () => {
    assert.throws(() => kvform.serialize({ 'a:b': 'c' }), EncodingError);
    assert.throws(() => kvform.serialize({ 'a\nb': 'c' }), EncodingError);
    assert.throws(() => kvform.serialize({ '': 'c' }), EncodingError);
  });

  test('parses a document, keeping colons inside values', () => {
    const r = kvform.parse('is_valid:true\nurl:http://x/y:1\n');
    assert.deepEqual({ ...r }, { is_valid: 'true', url: 'http://x/y:1' });
  });

  test('parses the empty document as no pairs', () => {
    assert.deepEqual({ ...kvform.parse('') }, {});
  });

  test('strict parse refuses a line without a colon, an empty key, a repeated key, CR, a missing final newline', () => {
    assert.throws(() => kvform.parse('novalue\n'), code('kvform_invalid'));
    assert.throws(() => kvform.parse(':v\n'), code('kvform_invalid'));
    assert.throws(() => kvform.parse('a:1\na:2\n'), code('kvform_invalid'));
    assert.throws(() => kvform.parse('a:1\r\n'), code('kvform_invalid'));
    assert.throws(() => kvform.parse('a:1'), code('kvform_invalid'));
    assert.throws(() => kvform.parse('a:1\n\n'), code('kvform_invalid'));
  });

  test('keeps __proto__ as plain data', () => {
    const r = kvform.parse('__proto__:x\nconstructor:y\n');
    assert.equal(r['__proto__'], 'x');
    assert.equal(Object.getPrototypeOf(r), null);
    assert.equal(({} as Record<string, unknown>)['x'], undefined);
  });

  test('refuses an oversized document and too many lines', () => {
    assert.throws(
      () => kvform.parse('a:'.padEnd(2000, 'x') + '\n', { maxBytes: 1000 }),
      code('kvform_too_large'),
    );
    assert.throws(() => kvform.parse('a:é\n'.repeat(1), { maxBytes: 4 }), code('kvform_too_large'));
    const many = Array.from({ length: 20 }, (_, i) => `k${i}:v\n`).join('');
    assert.throws(() => kvform.parse(many, { maxPairs: 10 }), code('kvform_too_large'));
  });

  test('lenient parse keeps good lines and reports each dropped one with a reason', () => {
    const r = kvform.parseLenient('a:1\r\nbroken\nb:2\n\na:3\nc:4');
    assert.deepEqual({ ...r.values }, { a: '1', b: '2', c: '4' });
    assert.deepEqual(
      r.dropped.map((d) => [d.line, d.reason]),
      [
        [2, "has no ':'"],
        [4, 'empty line'],
        [5, 'repeats the key "a"'],
      ],
    );
  });

  test('round-trips any valid pairs (property)', () => {
    const key = fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !/[:\n\r]/.test(k));
    const value = fc.string({ maxLength: 40 }).filter((v) => !/[\n\r]/.test(v));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, maxLength: 15 }), (pairs) => {
        const parsed = kvform.parse(kvform.serialize(pairs));
        // Records put integer-like keys first, so compare without order.
        const sort = (e: [string, string][]) => [...e].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        assert.deepEqual(sort(Object.entries(parsed)), sort(pairs));
      }),
      { numRuns: 500 },
    );
  });

  test('never throws anything but ProtocolError on arbitrary input (fuzz)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (text) => {
        try {
          kvform.parse(text);
        } catch (e) {
          assert.ok(e instanceof ProtocolError, String(e));
        }
        const r = kvform.parseLenient(text);
        assert.equal(typeof r.values, 'object');
      }),
      { numRuns: 2000 },
    );
  });
});
