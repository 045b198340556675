/**
 * The associate request's types (spec §8.1, §8.3, §8.4, §8.2.4), one rule
 * at a time.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  noEncryptionOnlyOverTls,
  requestedTypes,
  SUGGESTED_TYPES,
  sessionCarriesAssocType,
  supportedAssocType,
  supportedSessionType,
} from '../../../src/op/rules/associate.js';
import type { AssociationType, SessionType } from '../../../src/protocol/constants.js';
import { Message } from '../../../src/protocol/message.js';

const V2 = 'http://specs.openid.net/auth/2.0';

function associate(fields: Record<string, string>, v2 = true): Message {
  return Message.fromPostArgs({ ...(v2 ? { 'openid.ns': V2 } : {}), 'openid.mode': 'associate', ...fields });
}

describe('requestedTypes (§8.1.1; OpenID 1.1 defaults)', () => {
  const rows: [string, Record<string, string>, boolean, { assocType: string; sessionType: string } | null][] =
    [
      [
        '2.0 with both',
        { 'openid.assoc_type': 'HMAC-SHA256', 'openid.session_type': 'DH-SHA256' },
        true,
        { assocType: 'HMAC-SHA256', sessionType: 'DH-SHA256' },
      ],
      [
        '2.0 passes unknown values on to the next rules',
        { 'openid.assoc_type': 'HMAC-MD5', 'openid.session_type': 'DH-MD5' },
        true,
        { assocType: 'HMAC-MD5', sessionType: 'DH-MD5' },
      ],
      ['2.0 without assoc_type', { 'openid.session_type': 'DH-SHA256' }, true, null],
      ['2.0 without session_type', { 'openid.assoc_type': 'HMAC-SHA256' }, true, null],
      [
        '2.0 with an empty session_type (no OpenID 1 spelling in 2.0)',
        { 'openid.assoc_type': 'HMAC-SHA256', 'openid.session_type': '' },
        true,
        null,
      ],
      ['2.0 with neither', {}, true, null],
      [
        '1.1 without assoc_type means HMAC-SHA1',
        { 'openid.session_type': 'DH-SHA1' },
        false,
        { assocType: 'HMAC-SHA1', sessionType: 'DH-SHA1' },
      ],
      [
        '1.1 without session_type means no-encryption',
        { 'openid.assoc_type': 'HMAC-SHA1' },
        false,
        { assocType: 'HMAC-SHA1', sessionType: 'no-encryption' },
      ],
      [
        '1.1 with an empty session_type means no-encryption',
        { 'openid.assoc_type': 'HMAC-SHA1', 'openid.session_type': '' },
        false,
        { assocType: 'HMAC-SHA1', sessionType: 'no-encryption' },
      ],
      [
        '1.1 with neither is HMAC-SHA1 in the clear',
        {},
        false,
        { assocType: 'HMAC-SHA1', sessionType: 'no-encryption' },
      ],
    ];
  for (const [name, fields, v2, expected] of rows) {
    test(name, () => {
      assert.deepEqual(
        requestedTypes(associate(fields, v2)),
        expected === null
          ? { ok: false, code: 'invalid_request', message: 'associate needs assoc_type and session_type' }
          : { ok: true, value: expected },
      );
    });
  }
});

describe('supportedAssocType (§8.3)', () => {
  for (const t of ['HMAC-SHA256', 'HMAC-SHA1']) {
    test(`issues ${t}`, () => assert.deepEqual(supportedAssocType(t), { ok: true, value: t }));
  }
  for (const t of ['HMAC-SHA512', 'hmac-sha1', 'HMAC-SHA1 ', '']) {
    test(`refuses ${JSON.stringify(t)} as unsupported_type`, () => {
      assert.deepEqual(supportedAssocType(t), {
        ok: false,
        code: 'unsupported_type',
        message: `unsupported assoc_type ${t}`,
      });
    });
  }
});

describe('supportedSessionType (§8.4)', () => {
  for (const t of ['DH-SHA256', 'DH-SHA1', 'no-encryption']) {
    test(`answers ${t}`, () => assert.deepEqual(supportedSessionType(t), { ok: true, value: t }));
  }
  for (const t of ['DH-SHA512', 'none', 'dh-sha256']) {
    test(`refuses ${JSON.stringify(t)} as unsupported_type`, () => {
      assert.deepEqual(supportedSessionType(t), {
        ok: false,
        code: 'unsupported_type',
        message: `unsupported session_type ${t}`,
      });
    });
  }
});

describe('noEncryptionOnlyOverTls (§8.4.1)', () => {
  const refused = {
    ok: false,
    code: 'unsupported_type',
    message: 'no-encryption sessions are refused over plain http',
  };
  const rows: [SessionType, string, boolean, object][] = [
    ['no-encryption', 'https://op.example/openid', false, { ok: true }],
    ['no-encryption', 'HTTPS://op.example/openid', false, { ok: true }],
    ['no-encryption', 'http://op.example/openid', false, refused],
    ['no-encryption', 'HTTP://op.example/openid', false, refused],
    ['no-encryption', 'http://op.example/openid', true, { ok: true }],
    ['DH-SHA256', 'http://op.example/openid', false, { ok: true }],
    ['DH-SHA1', 'http://op.example/openid', false, { ok: true }],
  ];
  for (const [session, endpoint, allowHttp, expected] of rows) {
    test(`${session} at ${endpoint}${allowHttp ? ' with allowNoEncryptionOverHttp' : ''}: ${'code' in expected ? 'refused' : 'ok'}`, () => {
      assert.deepEqual(noEncryptionOnlyOverTls(session, endpoint, allowHttp), expected);
    });
  }
});

describe('sessionCarriesAssocType (§8.4.2)', () => {
  const rows: [SessionType, AssociationType, boolean][] = [
    ['DH-SHA1', 'HMAC-SHA1', true],
    ['DH-SHA256', 'HMAC-SHA256', true],
    ['DH-SHA1', 'HMAC-SHA256', false],
    ['DH-SHA256', 'HMAC-SHA1', false],
    ['no-encryption', 'HMAC-SHA1', true],
    ['no-encryption', 'HMAC-SHA256', true],
  ];
  for (const [session, assoc, carries] of rows) {
    test(`${session} ${carries ? 'carries' : 'cannot carry'} an ${assoc} key`, () => {
      assert.deepEqual(
        sessionCarriesAssocType(session, assoc),
        carries
          ? { ok: true }
          : { ok: false, code: 'unsupported_type', message: `${session} cannot carry an ${assoc} key` },
      );
    });
  }
});

test('an unsupported-type answer suggests HMAC-SHA256 over DH-SHA256 (§8.2.4)', () => {
  assert.deepEqual({ ...SUGGESTED_TYPES }, { assoc_type: 'HMAC-SHA256', session_type: 'DH-SHA256' });
  assert.ok(Object.isFrozen(SUGGESTED_TYPES));
});
