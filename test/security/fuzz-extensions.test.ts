/**
 * Fuzzing the extension readers (issue 9): SReg, AX (fetch and store) and
 * PAPE requests and responses read from a message whose extension
 * arguments are generated: counts, aliases, type URIs, lists, dates, modes
 * and plain junk. Each reader returns its value or null, or throws a typed
 * `OpenIDError`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { AXFetchRequest, AXFetchResponse, AXStoreRequest, AXStoreResponse } from '../../src/extensions/ax.js';
import { AX_NS, AX_TYPES } from '../../src/extensions/ax-types.js';
import {
  PAPE_NS,
  PAPE_POLICY_PHISHING_RESISTANT,
  PAPERequest,
  PAPEResponse,
  parseAuthTime,
} from '../../src/extensions/pape.js';
import { SRegRequest, SRegResponse } from '../../src/extensions/sreg.js';
import { SREG_1_0_NS, SREG_1_1_NS } from '../../src/protocol/constants.js';
import { Message } from '../../src/protocol/message.js';
import { FUZZ_TEST, NASTY, onlyTypedErrors, PARAMS, Tally, textOf } from './fuzz-harness.js';

const KEYS = [
  'mode',
  'required',
  'optional',
  'if_available',
  'policy_url',
  'update_url',
  'email',
  'nickname',
  'gender',
  'dob',
  'type.email',
  'type.a',
  'type.a.b',
  'value.email',
  'value.email.1',
  'value.email.0',
  'value.a.2',
  'count.email',
  'count.a',
  'preferred_auth_policies',
  'max_auth_age',
  'auth_policies',
  'auth_time',
  'auth_level.ns.nist',
  'auth_level.nist',
  'error',
];
const VALUES = [
  'fetch_request',
  'fetch_response',
  'store_request',
  'store_response_success',
  'store_response_failure',
  'email',
  'email,email',
  'nickname,email',
  'a,b,,c',
  'M',
  'F',
  '1970-00-00',
  '1999-13-40',
  '0',
  '1',
  '2',
  '-1',
  '99999999999',
  'unlimited',
  '1e3',
  AX_TYPES.email,
  'not a uri',
  PAPE_POLICY_PHISHING_RESISTANT,
  'http://schemas.openid.net/pape/policies/2007/06/none',
  '2026-11-29T12:00:00Z',
  '2026-02-30T25:61:61Z',
  'https://rp.example/policy',
  'javascript:alert(1)',
  'http://csrc.nist.gov/publications/nistpubs/800-63/SP800-63V1_0_2.pdf',
];
const NAMESPACES = [SREG_1_1_NS, SREG_1_0_NS, AX_NS, PAPE_NS];

const extArgs = fc
  .tuple(
    fc.uniqueArray(
      fc.tuple(fc.constantFrom(...NAMESPACES), fc.constantFrom('sreg', 'ax', 'pape', 'ext1', 'e.x', 'mode')),
      { maxLength: 4, selector: ([, alias]) => alias },
    ),
    fc.array(
      fc.tuple(
        fc.constantFrom('sreg', 'ax', 'pape', 'ext1'),
        fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...KEYS) }, textOf(['.', ...NASTY], 3)),
        fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...VALUES) }, textOf([',', ' ', ...NASTY], 4)),
      ),
      { maxLength: 12 },
    ),
    fc.constantFrom('2.0', '1.1'),
  )
  .map(([decls, args, version]) => {
    const out: Record<string, string> = { 'openid.mode': 'id_res' };
    if (version === '2.0') out['openid.ns'] = 'http://specs.openid.net/auth/2.0';
    for (const [ns, alias] of decls) out[`openid.ns.${alias}`] = ns;
    for (const [alias, key, value] of args) out[`openid.${alias}.${key}`] = value;
    return out;
  });

describe('fuzz: extension arguments', () => {
  test(
    'SReg, AX and PAPE readers on 10,000 generated messages: value, null or a typed error',
    FUZZ_TEST,
    () => {
      const tally = new Tally();
      let read = 0;
      fc.assert(
        fc.property(extArgs, (args) => {
          const m = onlyTypedErrors(() => Message.fromPostArgs(args));
          tally.add(m);
          if (!(m instanceof Message)) return;
          for (const reader of [
            SRegRequest.fromMessage,
            SRegResponse.fromMessage,
            AXFetchRequest.fromMessage,
            AXFetchResponse.fromMessage,
            AXStoreRequest.fromMessage,
            AXStoreResponse.fromMessage,
            PAPERequest.fromMessage,
            PAPEResponse.fromMessage,
          ] as const) {
            const r = onlyTypedErrors(() => reader(m));
            if (r !== null && !(r instanceof Error)) {
              read++;
              // What was read can be written back out without an untyped error.
              onlyTypedErrors(() => r.toArgs(m.isOpenID2() ? '2.0' : '1.1'));
            }
          }
        }),
        PARAMS,
      );
      tally.assertBothSides('Message.fromPostArgs of extension args');
      assert.ok(read > 0, 'some generated extensions were read');
    },
  );

  test('PAPE auth_time parsing on 10,000 strings: a Date or null', FUZZ_TEST, () => {
    const time = fc
      .tuple(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.integer({ min: 0, max: 61 }),
        fc.constantFrom('Z', 'z', '', '+01:00', '.1Z'),
      )
      .map(([y, mo, d, h, mi, s, z]) => {
        const p = (n: number, w = 2) => String(n).padStart(w, '0');
        return `${p(y, 4)}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}:${p(s)}${z}`;
      });
    fc.assert(
      fc.property(fc.oneof(time, fc.string({ maxLength: 30, unit: 'binary' })), (text) => {
        const d = onlyTypedErrors(() => parseAuthTime(text));
        assert.ok(d === null || (d instanceof Date && !Number.isNaN(d.getTime())), String(d));
      }),
      PARAMS,
    );
  });
});
