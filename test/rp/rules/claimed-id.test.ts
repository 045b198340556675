/** The identifier a success reports (src/rp/rules/claimed-id.ts): §11.5.1 and the fixed provider's pattern. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileFixedProvider } from '../../../src/rp/fixed-provider.js';
import { checkFixedClaimedId, verifiedClaimedId } from '../../../src/rp/rules/claimed-id.js';
import { ALICE, endpoint, idRes1, idRes2, loginState, msg, opIdentifier, outcome } from './fixtures.js';

const STEAM_ID = 'https://steamcommunity.com/openid/id/76561197960435530';
const fixed = compileFixedProvider({
  opEndpoint: 'https://steamcommunity.com/openid/login',
  claimedIdPattern: /^https:\/\/steamcommunity\.com\/openid\/id\/(\d{17})$/,
  claimedIdsWithoutDiscovery: true,
});

describe('verifiedClaimedId: OpenID 2.0', () => {
  const rows: [string, Record<string, string>, ReturnType<typeof endpoint>, string | null][] = [
    ['the discovered claimed id', idRes2(), endpoint(), ALICE],
    [
      'the discovered spelling, not the asserted one (UR-02)',
      idRes2({ claimed_id: 'HTTPS://ALICE.example:443/' }),
      endpoint(),
      ALICE,
    ],
    [
      'the asserted fragment kept (§11.5.1)',
      idRes2({ claimed_id: `${ALICE}#42` }),
      endpoint(),
      `${ALICE}#42`,
    ],
    [
      'the discovered spelling with the asserted fragment',
      idRes2({ claimed_id: 'HTTPS://ALICE.example/#42' }),
      endpoint(),
      `${ALICE}#42`,
    ],
    ['an empty fragment kept as sent', idRes2({ claimed_id: `${ALICE}#` }), endpoint(), `${ALICE}#`],
    [
      'an OP identifier’s endpoint: as asserted',
      idRes2({ claimed_id: 'https://op.example/u/7' }),
      opIdentifier(),
      'https://op.example/u/7',
    ],
  ];
  for (const [name, f, ep, expected] of rows) {
    test(name, () =>
      assert.deepEqual(verifiedClaimedId(msg(f), '2.0', ep, loginState(), null), {
        ok: true,
        value: expected,
      }),
    );
  }
  test('no claimed id, anonymous login: null', () => {
    const m = msg(idRes2({}, ['claimed_id', 'identity']));
    assert.deepEqual(verifiedClaimedId(m, '2.0', endpoint(), loginState({ anonymous: true }), null), {
      ok: true,
      value: null,
    });
  });
  test('no claimed id, a login that asked for one: missing_field', () => {
    const m = msg(idRes2({}, ['claimed_id', 'identity']));
    assert.deepEqual(verifiedClaimedId(m, '2.0', endpoint(), loginState(), null), {
      ok: false,
      code: 'missing_field',
      message: 'the assertion names no identifier',
    });
  });
  test('no claimed id, unsolicited: missing_field', () => {
    const m = msg(idRes2({}, ['claimed_id', 'identity']));
    assert.equal(outcome(verifiedClaimedId(m, '2.0', endpoint(), null, null)), 'missing_field');
  });
});

describe('verifiedClaimedId: OpenID 1', () => {
  const ep1 = endpoint({ version: '1.1', localId: 'https://op.example/u/alice' });
  test('the claimed id begin() discovered, not the delegate the response names', () => {
    const m = msg(idRes1({ identity: 'https://op.example/u/alice' }));
    assert.deepEqual(verifiedClaimedId(m, '1.1', ep1, loginState({}, ep1), null), { ok: true, value: ALICE });
  });
  test('a state without a claimed id: the endpoint’s identifier', () => {
    const m = msg(idRes1({ identity: 'https://op.example/u/alice' }));
    const state = loginState({ claimedId: null }, ep1);
    assert.deepEqual(verifiedClaimedId(m, '1.1', ep1, state, null), {
      ok: true,
      value: 'https://op.example/u/alice',
    });
  });
});

describe('verifiedClaimedId with a fixed provider', () => {
  const ep = endpoint({ claimedId: STEAM_ID, opEndpoint: 'https://steamcommunity.com/openid/login' });
  test('a claimed id of its pattern passes', () => {
    const m = msg(idRes2({ claimed_id: STEAM_ID, identity: STEAM_ID }));
    assert.deepEqual(verifiedClaimedId(m, '2.0', ep, loginState(), fixed), { ok: true, value: STEAM_ID });
  });
  test('a fragment takes it out of the pattern: untrusted_claimed_id', () => {
    const m = msg(idRes2({ claimed_id: `${STEAM_ID}#x`, identity: STEAM_ID }));
    assert.equal(outcome(verifiedClaimedId(m, '2.0', ep, loginState(), fixed)), 'untrusted_claimed_id');
  });
  test('an anonymous success is not of the provider’s form: untrusted_claimed_id', () => {
    const m = msg(idRes2({}, ['claimed_id', 'identity']));
    assert.equal(
      outcome(verifiedClaimedId(m, '2.0', ep, loginState({ anonymous: true }), fixed)),
      'untrusted_claimed_id',
    );
  });
});

describe('checkFixedClaimedId', () => {
  const rows: [string, typeof fixed | null, string | null, string][] = [
    ['no fixed provider, any id', null, ALICE, 'ok'],
    ['no fixed provider, no id', null, null, 'ok'],
    ['an id of the pattern', fixed, STEAM_ID, 'ok'],
    ['an id with one digit too many', fixed, `${STEAM_ID}0`, 'untrusted_claimed_id'],
    [
      'a lookalike host',
      fixed,
      'https://steamcommunity.com.evil.example/openid/id/76561197960435530',
      'untrusted_claimed_id',
    ],
    ['plain http', fixed, STEAM_ID.replace('https:', 'http:'), 'untrusted_claimed_id'],
    ['no id', fixed, null, 'untrusted_claimed_id'],
  ];
  for (const [name, f, id, expected] of rows) {
    test(`${name}: ${expected}`, () => assert.equal(outcome(checkFixedClaimedId(f, id)), expected));
  }
});
