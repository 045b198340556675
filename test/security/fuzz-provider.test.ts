/**
 * Fuzzing the provider's request decoder (issue 9): generated checkid,
 * associate and check_authentication requests, mostly well-shaped with one
 * or more fields bent. `Provider.decodeRequest` returns a request or null, or
 * throws a `ProtocolError` that `encodeError` turns into a wire answer; a
 * decoded checkid can be asked everything an app asks and answered.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Provider } from '../../src/op/provider.js';
import { CheckIDRequest } from '../../src/op/requests.js';
import { IDENTIFIER_SELECT, OPENID1_NS, OPENID2_NS } from '../../src/protocol/constants.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { FUZZ_TEST, NASTY, onlyTypedErrors, PARAMS, Tally, textOf } from './fuzz-harness.js';

const op = new Provider({ endpoint: 'https://op.example/openid', store: new MemoryStore() });

const URLS = [
  'https://rp.example/return',
  'https://rp.example/',
  'https://*.rp.example/',
  'http://*.com/',
  'https://evil.example/x',
  'javascript:alert(1)',
  'https:evil.example',
  'https://op.example/id/alice',
  'https://op.example/id/bob',
  IDENTIFIER_SELECT,
  '',
];
const urlish = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...URLS) },
  textOf(['/', ':', '.', '*', ...NASTY], 5),
);

const FIELDS: Record<string, fc.Arbitrary<string>> = {
  'openid.ns': fc.constantFrom(OPENID2_NS, OPENID1_NS, 'urn:other', ''),
  'openid.mode': fc.constantFrom(
    'checkid_setup',
    'checkid_immediate',
    'associate',
    'check_authentication',
    'bogus',
    '',
  ),
  'openid.claimed_id': urlish,
  'openid.identity': urlish,
  'openid.return_to': urlish,
  'openid.realm': urlish,
  'openid.trust_root': urlish,
  'openid.assoc_handle': fc.oneof(fc.constantFrom('h', '{HMAC-SHA1}{0}{x}', ''), textOf(NASTY, 3)),
  'openid.assoc_type': fc.constantFrom('HMAC-SHA1', 'HMAC-SHA256', 'HMAC-MD5', ''),
  'openid.session_type': fc.constantFrom('DH-SHA1', 'DH-SHA256', 'no-encryption', '', 'DH-SHA512'),
  'openid.dh_consumer_public': fc.constantFrom('AA==', 'Ag==', 'not base64', '', '/g=='),
  'openid.dh_modulus': fc.constantFrom('Fw==', 'AP8=', ''),
  'openid.dh_gen': fc.constantFrom('Ag==', 'AA==', ''),
  'openid.signed': fc.constantFrom('mode,identity', 'identity,,identity', '', 'signed'),
  'openid.sig': fc.constantFrom('AAAA', '', '!!!'),
  'openid.ns.sreg': fc.constantFrom('http://openid.net/extensions/sreg/1.1', 'urn:x'),
  'openid.sreg.required': fc.constantFrom('email', 'email,email', 'bogus', ''),
};

const request = fc.record(FIELDS, { requiredKeys: ['openid.mode'] });

describe('fuzz: Provider.decodeRequest', () => {
  test(
    'decodes or refuses 10,000 generated requests with a ProtocolError that encodes to a wire answer',
    FUZZ_TEST,
    () => {
      const tally = new Tally();
      fc.assert(
        fc.property(request, (params) => {
          const r = onlyTypedErrors(() => op.decodeRequest(params));
          tally.add(r);
          if (r instanceof ProtocolError) {
            const web = op.encodeError(r);
            assert.ok([302, 400].includes(web.status) || web.status === 200, String(web.status));
            return;
          }
          assert.ok(!(r instanceof Error), String(r));
          if (r instanceof CheckIDRequest) {
            r.idSelect();
            r.trustRootValid();
            onlyTypedErrors(() => r.answer(false));
            onlyTypedErrors(() =>
              r.answer(true, r.idSelect() ? { identity: 'https://op.example/id/alice' } : {}),
            );
          }
        }),
        PARAMS,
      );
      tally.assertBothSides('Provider.decodeRequest');
    },
  );
});
