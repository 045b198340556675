/**
 * The app's answer to a checkid request, checked before anything is signed
 * (spec §10, §10.1; security cases OPR-06, OPR-07, DV-03).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AllowOptions } from '../../../src/op/answer-options.js';
import {
  answerClaimedIdIsRequested,
  answerHasReturnTo,
  answerIdentityIsRequested,
  opEndpointIsWebUrl,
  ownClaimedIdVouched,
  selectedIdentityNamed,
} from '../../../src/op/rules/answer.js';

const EP = 'https://op.example/openid';
const ALICE = 'https://op.example/id/alice';
const BOB = 'https://op.example/id/bob';

describe('answerHasReturnTo (§9.1)', () => {
  test('a request with return_to is answered there', () => {
    assert.deepEqual(answerHasReturnTo('https://rp.example/r'), { ok: true, value: 'https://rp.example/r' });
  });
  test('a realm-only request cannot be answered (no_return_to)', () => {
    assert.deepEqual(answerHasReturnTo(null), {
      ok: false,
      code: 'no_return_to',
      message: 'the request has no return_to to answer to',
    });
  });
});

describe('opEndpointIsWebUrl (§10.1 op_endpoint)', () => {
  for (const v of [undefined, 'https://op2.example/openid', 'http://op.example:8080/']) {
    test(`accepts ${v ?? 'no opEndpoint'}`, () => assert.deepEqual(opEndpointIsWebUrl(v), { ok: true }));
  }
  for (const v of ['op.example/openid', 'https:///openid', 'ftp://op.example/', '//op.example/openid', '']) {
    test(`refuses ${JSON.stringify(v)} as invalid_option`, () => {
      assert.deepEqual(opEndpointIsWebUrl(v), {
        ok: false,
        code: 'invalid_option',
        message: 'opEndpoint must be an absolute http(s) URL',
      });
    });
  }
});

describe('selectedIdentityNamed (§10.1 identifier_select)', () => {
  test('the identity the app chose', () => {
    assert.deepEqual(selectedIdentityNamed({ identity: ALICE }), { ok: true, value: ALICE });
  });
  for (const [name, options] of [
    ['no identity', {}],
    ['an empty identity', { identity: '' }],
    ['a claimedId alone', { claimedId: ALICE }],
  ] as const) {
    test(`refuses ${name} as invalid_request`, () => {
      assert.deepEqual(selectedIdentityNamed(options), {
        ok: false,
        code: 'invalid_request',
        message: 'an identifier_select answer must name the identity',
      });
    });
  }
});

describe('answerIdentityIsRequested (OPR-06)', () => {
  const requested = { identity: ALICE, claimedId: ALICE };
  for (const [name, options] of [
    ['no identity option (the request stands)', {}],
    ['the requested identity', { identity: ALICE }],
    ['the requested identity spelled with an upper-case host', { identity: 'https://OP.EXAMPLE/id/alice' }],
  ] as [string, AllowOptions][]) {
    test(`accepts ${name}`, () =>
      assert.deepEqual(answerIdentityIsRequested(requested, options), { ok: true }));
  }
  test("refuses the signed-in user's identity for a request about someone else, telling the RP nothing of it", () => {
    assert.deepEqual(answerIdentityIsRequested(requested, { identity: BOB }), {
      ok: false,
      code: 'identity_mismatch',
      message: `the request is for ${ALICE}; cannot answer for ${BOB}`,
      publicMessage: 'cannot answer for the requested identity',
    });
  });
  test('refuses an identity for an identifier-less request', () => {
    assert.deepEqual(answerIdentityIsRequested({ identity: null, claimedId: null }, { identity: BOB }), {
      ok: false,
      code: 'identity_mismatch',
      message: `the request is for no identity; cannot answer for ${BOB}`,
      publicMessage: 'cannot answer for the requested identity',
    });
  });
});

describe('answerClaimedIdIsRequested (§10.1, §11.5.1)', () => {
  const requested = { identity: ALICE, claimedId: 'https://alice.example/' };
  const refused = (claimed: string, asked = 'https://alice.example/') => ({
    ok: false,
    code: 'identity_mismatch',
    message: `the request is for claimed_id ${asked}; cannot answer for ${claimed}`,
    publicMessage: 'cannot answer for the requested claimed_id',
  });
  for (const [name, options] of [
    ['no claimedId option', {}],
    ['the requested claimed_id', { claimedId: 'https://alice.example/' }],
    [
      'the requested claimed_id with a fragment the provider added (identifier recycling)',
      { claimedId: 'https://alice.example/#2026' },
    ],
  ] as [string, AllowOptions][]) {
    test(`accepts ${name}`, () =>
      assert.deepEqual(answerClaimedIdIsRequested(requested, options), { ok: true }));
  }
  test('refuses another claimed_id', () => {
    assert.deepEqual(
      answerClaimedIdIsRequested(requested, { claimedId: 'https://mallory.example/' }),
      refused('https://mallory.example/'),
    );
  });
  test('refuses another fragment when the request already carries one', () => {
    const withFragment = { identity: ALICE, claimedId: 'https://alice.example/#1' };
    assert.deepEqual(
      answerClaimedIdIsRequested(withFragment, { claimedId: 'https://alice.example/#2' }),
      refused('https://alice.example/#2', 'https://alice.example/#1'),
    );
  });
  test('refuses a claimedId for an identifier-less request', () => {
    assert.deepEqual(
      answerClaimedIdIsRequested({ identity: null, claimedId: null }, { claimedId: ALICE }),
      refused(ALICE, '(none)'),
    );
  });
});

describe('ownClaimedIdVouched (OPR-07)', () => {
  const rows: [string, { identity: string | null; claimedId: string | null }, AllowOptions, boolean][] = [
    ['a claimed_id equal to the identity', { identity: ALICE, claimedId: ALICE }, {}, true],
    [
      'a claimed_id on another origin (delegation to this provider)',
      { identity: ALICE, claimedId: 'https://alice.example/' },
      {},
      true,
    ],
    ['an identifier-less request', { identity: null, claimedId: null }, {}, true],
    [
      'an own-origin claimed_id the app names in claimedId',
      { identity: ALICE, claimedId: BOB },
      { claimedId: BOB },
      true,
    ],
    ['an own-origin claimed_id that is not the identity', { identity: ALICE, claimedId: BOB }, {}, false],
  ];
  for (const [name, requested, options, vouched] of rows) {
    test(`${vouched ? 'accepts' : 'refuses'} ${name}`, () => {
      assert.deepEqual(
        ownClaimedIdVouched(requested, options, EP),
        vouched
          ? { ok: true }
          : {
              ok: false,
              code: 'identity_mismatch',
              message: `claimed_id ${BOB} is on this provider but is not the identity ${ALICE}; pass claimedId to vouch for it`,
              publicMessage: 'cannot answer for a claimed_id on this provider that is not the identity',
            },
      );
    });
  }
});
