/**
 * The identifiers a checkid request names (spec §9.1; OpenID 1.1 §4.2.1).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  claimedIdWithIdentity,
  isIdentifierSelect,
  openID1NamesIdentity,
  requestedIdentifiers,
} from '../../../src/op/rules/identity.js';
import { Message } from '../../../src/protocol/message.js';

const V2 = 'http://specs.openid.net/auth/2.0';
const ALICE = 'https://op.example/id/alice';
const SELECT = 'http://specs.openid.net/auth/2.0/identifier_select';

describe('requestedIdentifiers', () => {
  test('2.0: identity and claimed_id as sent', () => {
    const m = Message.fromPostArgs({
      'openid.ns': V2,
      'openid.identity': ALICE,
      'openid.claimed_id': 'https://alice.example/',
    });
    assert.deepEqual(requestedIdentifiers(m), { identity: ALICE, claimedId: 'https://alice.example/' });
  });
  test('1.1: the identity is also the claimed identifier (a 1.1 claimed_id field means nothing)', () => {
    const m = Message.fromPostArgs({
      'openid.identity': ALICE,
      'openid.claimed_id': 'https://other.example/',
    });
    assert.deepEqual(requestedIdentifiers(m), { identity: ALICE, claimedId: ALICE });
  });
  test('2.0 identifier-less: both null', () => {
    assert.deepEqual(requestedIdentifiers(Message.fromPostArgs({ 'openid.ns': V2 })), {
      identity: null,
      claimedId: null,
    });
  });
});

describe('claimedIdWithIdentity (§9.1: both present or both absent)', () => {
  const together = {
    ok: false,
    code: 'invalid_request',
    message: 'openid.claimed_id and openid.identity must come together',
  };
  const rows: [string | null, string | null, object][] = [
    [ALICE, ALICE, { ok: true }],
    [null, null, { ok: true }],
    [ALICE, null, together],
    [null, ALICE, together],
  ];
  for (const [identity, claimedId, expected] of rows) {
    test(`identity ${identity ?? 'absent'}, claimed_id ${claimedId ?? 'absent'}`, () => {
      assert.deepEqual(claimedIdWithIdentity({ identity, claimedId }), expected);
    });
  }
});

describe('openID1NamesIdentity (1.1 §4.2.1)', () => {
  test('a 1.1 request naming its identity passes', () => {
    assert.deepEqual(openID1NamesIdentity({ identity: ALICE, claimedId: ALICE }), { ok: true });
  });
  test('a 1.1 request without openid.identity is invalid_request', () => {
    assert.deepEqual(openID1NamesIdentity({ identity: null, claimedId: null }), {
      ok: false,
      code: 'invalid_request',
      message: 'OpenID 1 requests need openid.identity',
    });
  });
});

describe('isIdentifierSelect (§9.1)', () => {
  for (const [identity, expected] of [
    [SELECT, true],
    [ALICE, false],
    [null, false],
    [`${SELECT}/`, false],
  ] as const) {
    test(`${identity ?? 'no identity'}: ${expected}`, () =>
      assert.equal(isIdentifierSelect(identity), expected));
  }
});
