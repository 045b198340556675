/**
 * The assertion's fields (spec §10.1, §10.2; OpenID 1.1 §4.2.2).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AllowOptions } from '../../../src/op/answer-options.js';
import {
  assertedIdentifiers,
  negativeAssertion,
  positiveAssertion,
} from '../../../src/op/rules/assertion.js';
import type { Message } from '../../../src/protocol/message.js';

const ALICE = 'https://op.example/id/alice';
const RT = 'https://rp.example/r';
const NONCE = '2026-12-06T12:00:00Zabc';
/** Every `openid.*` field of the message, as the wire would carry it. */
const fields = (m: Message) => Object.fromEntries(Object.entries(m.toPostArgs()));

describe('assertedIdentifiers (§10.1)', () => {
  const select = {
    identity: 'http://specs.openid.net/auth/2.0/identifier_select',
    claimedId: 'http://specs.openid.net/auth/2.0/identifier_select',
  };
  const asked = { identity: ALICE, claimedId: 'https://alice.example/' };
  const rows: [
    string,
    typeof asked,
    AllowOptions,
    boolean,
    { identity: string | null; claimedId: string | null },
  ][] = [
    [
      'identifier_select: the chosen identity, claimed defaulting to it',
      select,
      { identity: ALICE },
      true,
      { identity: ALICE, claimedId: ALICE },
    ],
    [
      'identifier_select: the chosen identity and claimed id',
      select,
      { identity: ALICE, claimedId: 'https://alice.example/' },
      true,
      { identity: ALICE, claimedId: 'https://alice.example/' },
    ],
    ['a named request: the requested identifiers', asked, {}, false, asked],
    [
      'a named request with a fragment added to the claimed id',
      asked,
      { claimedId: 'https://alice.example/#2' },
      false,
      { identity: ALICE, claimedId: 'https://alice.example/#2' },
    ],
    [
      'switchIdentifier: the new identity, claimed defaulting to it',
      asked,
      { switchIdentifier: true, identity: 'https://op.example/id/al' },
      false,
      { identity: 'https://op.example/id/al', claimedId: 'https://op.example/id/al' },
    ],
    [
      'switchIdentifier without options: the requested identifiers',
      asked,
      { switchIdentifier: true },
      false,
      asked,
    ],
  ];
  for (const [name, requested, options, idSelect, expected] of rows) {
    test(name, () => assert.deepEqual(assertedIdentifiers(requested, options, idSelect), expected));
  }
});

describe('positiveAssertion (§10.1)', () => {
  /** The wire fields of the `version` assertion for `identifiers`, the rest fixed. */
  const asserted = (
    version: '2.0' | '1.1',
    identifiers: { identity: string | null; claimedId: string | null },
  ) =>
    fields(
      positiveAssertion({
        version,
        opEndpoint: 'https://op.example/openid',
        identifiers,
        returnTo: RT,
        nonce: NONCE,
      }),
    );

  test('2.0: id_res with op_endpoint, claimed_id, identity, return_to, response_nonce', () => {
    assert.deepEqual(asserted('2.0', { identity: ALICE, claimedId: 'https://alice.example/' }), {
      'openid.ns': 'http://specs.openid.net/auth/2.0',
      'openid.mode': 'id_res',
      'openid.op_endpoint': 'https://op.example/openid',
      'openid.claimed_id': 'https://alice.example/',
      'openid.identity': ALICE,
      'openid.return_to': RT,
      'openid.response_nonce': NONCE,
    });
  });
  test('2.0 identifier-less: no claimed_id or identity', () => {
    assert.deepEqual(asserted('2.0', { identity: null, claimedId: null }), {
      'openid.ns': 'http://specs.openid.net/auth/2.0',
      'openid.mode': 'id_res',
      'openid.op_endpoint': 'https://op.example/openid',
      'openid.return_to': RT,
      'openid.response_nonce': NONCE,
    });
  });
  test('1.1: id_res with identity and return_to only (no op_endpoint, no nonce)', () => {
    assert.deepEqual(asserted('1.1', { identity: ALICE, claimedId: ALICE }), {
      'openid.mode': 'id_res',
      'openid.identity': ALICE,
      'openid.return_to': RT,
    });
  });
});

describe('negativeAssertion (§10.2; 1.1 §4.2.2.1)', () => {
  const setupUrl = 'https://op.example/setup';
  const rows: [string, '2.0' | '1.1', boolean, Record<string, string>][] = [
    [
      '2.0 setup: cancel',
      '2.0',
      false,
      { 'openid.ns': 'http://specs.openid.net/auth/2.0', 'openid.mode': 'cancel' },
    ],
    [
      '2.0 immediate: setup_needed',
      '2.0',
      true,
      { 'openid.ns': 'http://specs.openid.net/auth/2.0', 'openid.mode': 'setup_needed' },
    ],
    ['1.1 setup: cancel', '1.1', false, { 'openid.mode': 'cancel' }],
    [
      '1.1 immediate: id_res with user_setup_url',
      '1.1',
      true,
      { 'openid.mode': 'id_res', 'openid.user_setup_url': setupUrl },
    ],
  ];
  for (const [name, version, immediate, expected] of rows) {
    test(name, () => {
      let asked = 0;
      const m = negativeAssertion(version, immediate, () => {
        asked += 1;
        return setupUrl;
      });
      assert.deepEqual(fields(m), expected);
      assert.equal(
        asked,
        'openid.user_setup_url' in expected ? 1 : 0,
        'the setup URL is built only when sent',
      );
    });
  }
});
