import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addExtensionToMessage } from '../../src/extensions/extension.js';
import {
  formatAuthTime,
  PAPE_LEVEL_JISA,
  PAPE_LEVEL_NIST,
  PAPE_NS,
  PAPE_POLICY_MULTI_FACTOR,
  PAPE_POLICY_MULTI_FACTOR_PHYSICAL,
  PAPE_POLICY_NONE,
  PAPE_POLICY_PHISHING_RESISTANT,
  PAPERequest,
  PAPEResponse,
  parseAuthTime,
} from '../../src/extensions/pape.js';
import { OPENID2_NS } from '../../src/protocol/constants.js';
import { ProtocolError, VersionError } from '../../src/protocol/errors.js';
import { Message } from '../../src/protocol/message.js';
import { opAnswerUrl, opDecode, rpComplete, rpRequestUrl } from './flow.js';

const isPapeInvalid = (e: unknown) => e instanceof ProtocolError && e.code === 'pape_invalid';
const CUSTOM_LEVEL = 'https://levels.example/loa';

function papeMessage(args: Record<string, string>): Message {
  const wire: Record<string, string> = { 'openid.ns': OPENID2_NS, 'openid.ns.pape': PAPE_NS };
  for (const [k, v] of Object.entries(args)) wire[`openid.pape.${k}`] = v;
  return Message.fromPostArgs(wire);
}

describe('PAPE round trip RP → OP → RP (OpenID 2.0)', () => {
  test('policies, max_auth_age and assurance levels go out and the signed answer comes back', () => {
    const url = rpRequestUrl('2.0', [
      new PAPERequest({
        preferredAuthPolicies: [PAPE_POLICY_PHISHING_RESISTANT, PAPE_POLICY_MULTI_FACTOR],
        maxAuthAge: 600,
        preferredAuthLevelTypes: [PAPE_LEVEL_NIST, CUSTOM_LEVEL],
      }),
    ]);
    const wire = new URL(url).searchParams;
    assert.equal(
      wire.get('openid.pape.preferred_auth_policies'),
      `${PAPE_POLICY_PHISHING_RESISTANT} ${PAPE_POLICY_MULTI_FACTOR}`,
    );
    assert.equal(wire.get('openid.pape.auth_level.ns.nist'), PAPE_LEVEL_NIST);
    assert.equal(wire.get('openid.pape.preferred_auth_level_types'), 'nist l0');

    const request = opDecode(url);
    const pape = PAPERequest.fromCheckIdRequest(request);
    assert.ok(pape);
    assert.deepEqual(pape.preferredAuthPolicies, [PAPE_POLICY_PHISHING_RESISTANT, PAPE_POLICY_MULTI_FACTOR]);
    assert.equal(pape.maxAuthAge, 600);
    assert.deepEqual(pape.preferredAuthLevelTypes, [PAPE_LEVEL_NIST, CUSTOM_LEVEL]);

    const authTime = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678));
    const answer = opAnswerUrl(request, [
      PAPEResponse.extractResponse(pape, {
        authPolicies: [PAPE_POLICY_MULTI_FACTOR],
        authTime,
        authLevels: { [PAPE_LEVEL_NIST]: '2', [CUSTOM_LEVEL]: 'high' },
      }),
    ]);
    assert.equal(new URL(answer).searchParams.get('openid.pape.auth_time'), '2024-01-02T03:04:05Z');

    const response = PAPEResponse.fromSuccess(rpComplete(answer));
    assert.ok(response);
    assert.deepEqual(response.authPolicies, [PAPE_POLICY_MULTI_FACTOR]);
    assert.equal(response.authTime?.toISOString(), '2024-01-02T03:04:05.000Z');
    assert.equal(response.authLevel(PAPE_LEVEL_NIST), '2');
    assert.equal(response.authLevel(CUSTOM_LEVEL), 'high');
    assert.equal(response.authLevel(PAPE_LEVEL_JISA), null);
  });

  test('no policy met travels as the none policy and reads back as an empty list', () => {
    const request = opDecode(rpRequestUrl('2.0', [new PAPERequest()]));
    const pape = PAPERequest.fromCheckIdRequest(request) as PAPERequest;
    assert.deepEqual(pape.preferredAuthPolicies, []);
    const answer = opAnswerUrl(request, [PAPEResponse.extractResponse(pape, {})]);
    assert.equal(new URL(answer).searchParams.get('openid.pape.auth_policies'), PAPE_POLICY_NONE);
    const response = PAPEResponse.fromSuccess(rpComplete(answer));
    assert.deepEqual(response?.authPolicies, []);
    assert.equal(response?.authTime, null);
  });

  test('the provider must give auth_time when max_auth_age was requested', () => {
    const pape = new PAPERequest({ maxAuthAge: 0 });
    assert.throws(() => PAPEResponse.extractResponse(pape, { authPolicies: [] }), isPapeInvalid);
  });

  test('the policy constants are the PAPE 1.0 URIs', () => {
    assert.equal(
      PAPE_POLICY_PHISHING_RESISTANT,
      'http://schemas.openid.net/pape/policies/2007/06/phishing-resistant',
    );
    assert.equal(PAPE_POLICY_MULTI_FACTOR, 'http://schemas.openid.net/pape/policies/2007/06/multi-factor');
    assert.equal(
      PAPE_POLICY_MULTI_FACTOR_PHYSICAL,
      'http://schemas.openid.net/pape/policies/2007/06/multi-factor-physical',
    );
    assert.equal(PAPE_POLICY_NONE, 'http://schemas.openid.net/pape/policies/2007/06/none');
  });
});

describe('PAPE auth_time', () => {
  test('parses YYYY-MM-DDTHH:MM:SSZ only', () => {
    assert.equal(parseAuthTime('2005-05-15T17:11:51Z')?.toISOString(), '2005-05-15T17:11:51.000Z');
    for (const bad of [
      '2005-05-15T17:11:51.123Z',
      '2005-05-15T17:11:51+00:00',
      '2005-05-15 17:11:51Z',
      '2005-05-15t17:11:51z',
      '2005-02-30T00:00:00Z',
      '2005-05-15T24:00:00Z',
      '2005-05-15T17:60:00Z',
      '05-05-15T17:11:51Z',
      '',
    ]) {
      assert.equal(parseAuthTime(bad), null, bad);
    }
  });

  test('formats without fractional seconds and refuses invalid dates', () => {
    assert.equal(formatAuthTime(new Date(Date.UTC(1999, 11, 31, 23, 59, 59, 999))), '1999-12-31T23:59:59Z');
    assert.throws(() => formatAuthTime(new Date(Number.NaN)), isPapeInvalid);
    assert.throws(() => new PAPEResponse({ authTime: new Date(Number.NaN) }), isPapeInvalid);
  });

  test('a response with a malformed auth_time is refused', () => {
    const m = papeMessage({ auth_policies: PAPE_POLICY_NONE, auth_time: '2005-05-15T17:11:51.5Z' });
    assert.throws(() => PAPEResponse.fromMessage(m), isPapeInvalid);
  });
});

describe('PAPE parsing', () => {
  test('refuses a response without auth_policies', () => {
    assert.throws(
      () => PAPEResponse.fromMessage(papeMessage({ auth_time: '2005-05-15T17:11:51Z' })),
      isPapeInvalid,
    );
  });

  test('refuses none together with other policies, and policies that are not URIs', () => {
    const both = `${PAPE_POLICY_NONE} ${PAPE_POLICY_MULTI_FACTOR}`;
    assert.throws(() => PAPEResponse.fromMessage(papeMessage({ auth_policies: both })), isPapeInvalid);
    assert.throws(
      () => PAPEResponse.fromMessage(papeMessage({ auth_policies: 'multi-factor' })),
      isPapeInvalid,
    );
    assert.throws(() => new PAPERequest({ preferredAuthPolicies: ['phishing-resistant'] }), isPapeInvalid);
  });

  test('refuses an assurance level without its auth_level.ns declaration', () => {
    const m = papeMessage({ auth_policies: PAPE_POLICY_NONE, 'auth_level.nist': '1' });
    assert.throws(() => PAPEResponse.fromMessage(m), isPapeInvalid);
    const req = papeMessage({ preferred_auth_policies: '', preferred_auth_level_types: 'nist' });
    assert.throws(() => PAPERequest.fromMessage(req), isPapeInvalid);
  });

  test('refuses one level type under two aliases, and the alias ns', () => {
    const twice = papeMessage({
      auth_policies: PAPE_POLICY_NONE,
      'auth_level.ns.a': PAPE_LEVEL_NIST,
      'auth_level.ns.b': PAPE_LEVEL_NIST,
    });
    assert.throws(() => PAPEResponse.fromMessage(twice), isPapeInvalid);
    const nsAlias = papeMessage({ auth_policies: PAPE_POLICY_NONE, 'auth_level.ns.ns': PAPE_LEVEL_NIST });
    assert.throws(() => PAPEResponse.fromMessage(nsAlias), isPapeInvalid);
  });

  test('refuses a max_auth_age that is not a whole number of seconds', () => {
    for (const age of ['-1', '1.5', 'soon', '']) {
      const m = papeMessage({ preferred_auth_policies: '', max_auth_age: age });
      assert.throws(() => PAPERequest.fromMessage(m), isPapeInvalid, age);
    }
    assert.throws(() => new PAPERequest({ maxAuthAge: -5 }), isPapeInvalid);
  });

  test('reads the pre-1.0 nist_auth_level as the NIST level', () => {
    const m = papeMessage({ auth_policies: PAPE_POLICY_NONE, nist_auth_level: '3' });
    assert.equal(PAPEResponse.fromMessage(m)?.authLevel(PAPE_LEVEL_NIST), '3');
    const bad = papeMessage({ auth_policies: PAPE_POLICY_NONE, nist_auth_level: '9' });
    assert.throws(() => PAPEResponse.fromMessage(bad), isPapeInvalid);
  });

  test('tolerates repeated spaces between policies', () => {
    const m = papeMessage({
      preferred_auth_policies: ` ${PAPE_POLICY_MULTI_FACTOR}  ${PAPE_POLICY_PHISHING_RESISTANT} `,
    });
    assert.equal(PAPERequest.fromMessage(m)?.preferredAuthPolicies.length, 2);
  });

  test('is OpenID 2 only', () => {
    const m = Message.create('1.1');
    assert.throws(() => addExtensionToMessage(m, new PAPERequest()), VersionError);
    const v1 = Message.fromPostArgs({
      'openid.ns.pape': PAPE_NS,
      'openid.pape.auth_policies': PAPE_POLICY_NONE,
    });
    assert.equal(PAPEResponse.fromMessage(v1), null);
  });
});
