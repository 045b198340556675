/**
 * Fuzzing the message layer (issue 9): key-value form and `Message` from a
 * query, a form body, bare OpenID args and key-value form. Whatever arrives,
 * parsing returns or throws a typed `OpenIDError`; a message that parsed can
 * be read back and re-encoded the same way.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { OPENID1_NS, OPENID2_NS, SREG_1_1_NS } from '../../src/protocol/constants.js';
import * as kvform from '../../src/protocol/kvform.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { FUZZ_TEST, NASTY, onlyTypedErrors, PARAMS, Tally, textOf } from './fuzz-harness.js';

const KEY_WORDS = [
  'mode',
  'ns',
  'ns.sreg',
  'ns.ax',
  'ns.mode',
  'sreg.email',
  'ax.type.x',
  'claimed_id',
  'identity',
  'return_to',
  'signed',
  'sig',
  'assoc_handle',
  'is_valid',
  'IS_VALID',
  'openid.',
  '.',
  ':',
  '',
];
const VALUE_WORDS = [
  OPENID2_NS,
  OPENID1_NS,
  SREG_1_1_NS,
  'http://openid.net/srv/ax/1.0',
  'id_res',
  'true',
  'false',
  'https://rp.example/r?x=1',
  ',',
  ':',
];

const key = textOf([...KEY_WORDS, ...NASTY], 4);
const value = textOf([...VALUE_WORDS, ...NASTY], 4);
const openidKey = key.map((k) => `openid.${k}`);
const anyKey = fc.oneof(openidKey, key);

/** Read everything a parsed message offers; none of it may throw an untyped error. */
function exercise(m: Message): void {
  m.get(OPENID_NS, 'mode');
  m.isOpenID2();
  m.isOpenID1();
  for (const [uri] of m.namespaces()) m.getArgs(uri);
  m.getArgs(OPENID_NS);
  m.toPostArgs();
  onlyTypedErrors(() => m.toKVForm());
  onlyTypedErrors(() => m.toURL('https://rp.example/return'));
}

describe('fuzz: key-value form', () => {
  const kvText = textOf(['a', 'b', ':', '\n', '\r', 'is_valid', 'true', ...NASTY], 30);

  test('kvform.parse returns or throws kvform_* only, on 10,000 documents', FUZZ_TEST, () => {
    const tally = new Tally();
    fc.assert(
      fc.property(kvText, (text) => {
        const r = onlyTypedErrors(() => kvform.parse(text));
        tally.add(r);
        if (r instanceof Error) assert.match(r.code, /^kvform_/);
        else assert.equal(kvform.serialize(r), text);
      }),
      PARAMS,
    );
    tally.assertBothSides('kvform.parse');
  });

  test('kvform.parseLenient never throws on 10,000 documents, and reports what it dropped', FUZZ_TEST, () => {
    fc.assert(
      fc.property(kvText, (text) => {
        const r = kvform.parseLenient(text);
        for (const k of Object.keys(r.values)) assert.ok(k.length > 0 && !k.includes(':'));
        for (const d of r.dropped) assert.ok(d.reason.length > 0);
      }),
      PARAMS,
    );
  });

  test('Message.fromKVForm returns or throws a typed error on 10,000 documents', FUZZ_TEST, () => {
    const doc = fc
      .array(fc.tuple(key, value), { maxLength: 8 })
      .chain((pairs) =>
        fc.constantFrom(
          pairs.map(([k, v]) => `${k}:${v}\n`).join(''),
          pairs.map(([k, v]) => `${k}:${v}`).join('\r\n'),
        ),
      );
    const tally = new Tally();
    fc.assert(
      fc.property(fc.oneof(doc, kvText), (text) => {
        const m = onlyTypedErrors(() => Message.fromKVForm(text));
        tally.add(m);
        if (m instanceof Message) exercise(m);
      }),
      PARAMS,
    );
    tally.assertBothSides('Message.fromKVForm');
  });
});

describe('fuzz: Message from the wire', () => {
  test('Message.fromQuery on 10,000 URLs with hostile query strings', FUZZ_TEST, () => {
    const pair = fc
      .tuple(anyKey, value, fc.constantFrom('=', '', '==', '[]=', '[0]='))
      .map(([k, v, eq]) => `${k}${eq}${v}`);
    const query = fc
      .array(fc.oneof(pair, textOf(['%', '&', '=', '+', ';', ...NASTY], 6)), { maxLength: 10 })
      .map((parts) => parts.join('&'));
    const tally = new Tally();
    fc.assert(
      fc.property(query, (q) => {
        const m = onlyTypedErrors(() => Message.fromQuery(`https://rp.example/return?${q}`));
        tally.add(m);
        if (m instanceof Message) exercise(m);
      }),
      PARAMS,
    );
    tally.assertBothSides('Message.fromQuery');
  });

  test(
    'Message.fromPostArgs on 10,000 framework-shaped bodies (strings, arrays, objects, numbers)',
    FUZZ_TEST,
    () => {
      const loose = fc.oneof(
        { weight: 6, arbitrary: value },
        fc.array(value, { maxLength: 3 }),
        fc.dictionary(key, value, { maxKeys: 2 }),
        fc.integer(),
        fc.constantFrom(null, undefined, true),
      );
      const asRecord = fc.dictionary(anyKey, loose, { maxKeys: 10 });
      const asPairs = fc.array(fc.tuple(anyKey, value), { maxLength: 10 });
      const asParams = asPairs.map((p) => new URLSearchParams(p));
      const tally = new Tally();
      fc.assert(
        fc.property(fc.oneof(asRecord, asPairs, asParams), (input) => {
          const m = onlyTypedErrors(() => Message.fromPostArgs(input));
          tally.add(m);
          if (m instanceof Message) exercise(m);
        }),
        PARAMS,
      );
      tally.assertBothSides('Message.fromPostArgs');
    },
  );

  test('Message.fromOpenIDArgs on 10,000 unprefixed argument sets', FUZZ_TEST, () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(key, value), { maxLength: 10 }), (pairs) => {
        const m = onlyTypedErrors(() => Message.fromOpenIDArgs(pairs));
        if (m instanceof Message) {
          exercise(m);
          // What parsed re-parses to the same arguments.
          const again = Message.fromOpenIDArgs(Object.entries(m.toOpenIDArgs()));
          assert.deepEqual(again.toPostArgs(), m.toPostArgs());
        }
      }),
      PARAMS,
    );
  });
});
