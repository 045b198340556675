/**
 * check_authentication at the provider (spec §11.4.2): the handle, the
 * private association, the signature over the listed fields, single use,
 * and which handle to invalidate. The signature is computed here with
 * node:crypto over key-value text written out by hand, not by the library.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  assertionHandle,
  firstUse,
  handleToInvalidate,
  privateAssociationFound,
  signatureVerifies,
} from '../../../src/op/rules/check-auth.js';
import { Association } from '../../../src/protocol/association.js';
import { Message, OPENID_NS } from '../../../src/protocol/message.js';

const V2 = 'http://specs.openid.net/auth/2.0';
const HANDLE = '{HMAC-SHA256}{1}{x}';
const SECRET = new Uint8Array(32).fill(7);
const RT = 'https://rp.example/r';
const association = new Association({
  handle: HANDLE,
  secret: SECRET,
  issued: 1_000,
  lifetime: 600,
  assocType: 'HMAC-SHA256',
});
/** HMAC-SHA256 of the key-value form the provider signed, as §6.1 defines it. */
const sig = (kv: string) => createHmac('sha256', SECRET).update(kv).digest('base64');
const SIGNED_KV = `assoc_handle:${HANDLE}\nreturn_to:${RT}\n`;

/** A check_authentication request as a relying party sends it: the assertion, mode changed. */
function request(fields: Record<string, string>): Message {
  return Message.fromPostArgs({
    'openid.ns': V2,
    'openid.mode': 'check_authentication',
    'openid.assoc_handle': HANDLE,
    'openid.return_to': RT,
    'openid.signed': 'assoc_handle,return_to',
    'openid.sig': sig(SIGNED_KV),
    ...fields,
  });
}

describe('assertionHandle (§11.4.2.1)', () => {
  test('the handle the assertion names', () => {
    assert.deepEqual(assertionHandle(request({})), { ok: true, value: HANDLE });
  });
  for (const [name, value] of [
    ['no openid.assoc_handle', null],
    ['an empty openid.assoc_handle', ''],
  ] as const) {
    test(`refuses ${name}`, () => {
      const m = request({});
      if (value === null) m.delete(OPENID_NS, 'assoc_handle');
      else m.set(OPENID_NS, 'assoc_handle', value);
      assert.deepEqual(assertionHandle(m), {
        ok: false,
        code: 'assoc_handle_missing',
        message: 'check_authentication without openid.assoc_handle',
      });
    });
  }
});

describe('privateAssociationFound (§11.4.2.1)', () => {
  test('a live private association', () => {
    assert.deepEqual(privateAssociationFound(HANDLE, association), { ok: true, value: association });
  });
  test('refuses a handle with no private association (unknown, expired, shared or used)', () => {
    assert.deepEqual(privateAssociationFound(HANDLE, null), {
      ok: false,
      code: 'assoc_handle_unknown',
      message: `no private association ${HANDLE} (unknown, expired or already used)`,
    });
  });
});

describe('signatureVerifies (§11.4.2.2)', () => {
  test('verifies the signature of the original id_res, whatever the mode now says', () => {
    assert.deepEqual(signatureVerifies(request({}), association), { ok: true });
  });
  const rows: [string, Record<string, string>, string][] = [
    ['a changed signed field', { 'openid.return_to': 'https://rp.example/other' }, 'bad_signature'],
    [
      'a signature made with another key',
      { 'openid.sig': createHmac('sha256', new Uint8Array(32)).update(SIGNED_KV).digest('base64') },
      'bad_signature',
    ],
    [
      'a signed list naming an absent field',
      { 'openid.signed': 'assoc_handle,return_to,identity' },
      'signed_field_absent',
    ],
    [
      'a signed list naming a field twice',
      { 'openid.signed': 'assoc_handle,return_to,return_to' },
      'malformed_message',
    ],
    [
      'a signed list with an empty entry',
      { 'openid.signed': 'assoc_handle,,return_to' },
      'malformed_message',
    ],
  ];
  for (const [name, fields, code] of rows) {
    test(`refuses ${name} (${code})`, () => {
      const v = signatureVerifies(request(fields), association);
      assert.equal(v.ok, false);
      assert.equal(!v.ok && v.code, code);
    });
  }
  test('refuses an assertion without openid.sig (missing_signature)', () => {
    const m = request({});
    m.delete(OPENID_NS, 'sig');
    assert.deepEqual(signatureVerifies(m, association), {
      ok: false,
      code: 'missing_signature',
      message: 'the message has no openid.sig or openid.signed',
    });
  });
  test('a signature check leaves the request as the relying party sent it', () => {
    const m = request({});
    signatureVerifies(m, association);
    assert.equal(m.get(OPENID_NS, 'mode'), 'check_authentication');
  });
});

describe('firstUse (§11.4.2.1: single use)', () => {
  test('the caller that removed the association is confirmed', () => {
    assert.deepEqual(firstUse(true), { ok: true });
  });
  test('a caller that found it removed already is refused', () => {
    assert.deepEqual(firstUse(false), {
      ok: false,
      code: 'assertion_used',
      message: 'the assertion was confirmed already',
    });
  });
});

describe('handleToInvalidate (§11.4.2.2 invalidate_handle)', () => {
  const rows: [string | undefined, boolean, string | null][] = [
    ['{HMAC-SHA1}{1}{gone}', false, '{HMAC-SHA1}{1}{gone}'],
    ['{HMAC-SHA1}{1}{live}', true, null],
    [undefined, false, null],
    ['', false, null],
  ];
  for (const [requested, live, expected] of rows) {
    test(`asked about ${JSON.stringify(requested)}, ${live ? 'still' : 'not'} a live shared association: ${expected ?? 'nothing'} to invalidate`, () => {
      assert.equal(handleToInvalidate(requested, live), expected);
    });
  }
});
