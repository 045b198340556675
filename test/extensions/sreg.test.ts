import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type SRegData, SRegRequest, SRegResponse } from '../../src/extensions/sreg.js';
import { OPENID2_NS, type OpenIDVersion, SREG_1_0_NS, SREG_1_1_NS } from '../../src/protocol/constants.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { opAnswerUrl, opDecode, rpComplete, rpRequestUrl } from './flow.js';

const isSregInvalid = (e: unknown) => e instanceof ProtocolError && e.code === 'sreg_invalid';

const PROFILE: SRegData = {
  nickname: 'vic',
  email: 'victim@corp.example',
  fullname: 'Vic Tim',
  dob: '1980-00-00',
  gender: 'F',
  country: 'NZ',
};

describe('SReg round trip RP → OP → RP', () => {
  for (const version of ['2.0', '1.1', '1.0'] as const satisfies readonly OpenIDVersion[]) {
    test(`OpenID ${version}: the provider sends only the requested fields and the RP reads them signed`, () => {
      const url = rpRequestUrl(version, [
        new SRegRequest({
          required: ['email'],
          optional: ['nickname', 'fullname'],
          policyUrl: 'https://rp.example/privacy',
        }),
      ]);
      const wire = new URL(url).searchParams;
      assert.equal(wire.get('openid.sreg.required'), 'email');
      if (version === '2.0') assert.equal(wire.get('openid.ns.sreg'), SREG_1_1_NS);
      // OpenID 1 peers know `sreg` without a declaration.
      else assert.equal(wire.has('openid.ns.sreg'), false);

      const request = opDecode(url);
      const sreg = SRegRequest.fromCheckIdRequest(request);
      assert.ok(sreg);
      assert.deepEqual(sreg.required, ['email']);
      assert.deepEqual(sreg.optional, ['nickname', 'fullname']);
      assert.equal(sreg.policyUrl, 'https://rp.example/privacy');
      assert.equal(sreg.isRequired('email'), true);
      assert.equal(sreg.wasRequested('dob'), false);

      const answer = opAnswerUrl(request, [SRegResponse.extractResponse(sreg, PROFILE)]);
      assert.equal(new URL(answer).searchParams.has('openid.sreg.dob'), false);
      const response = SRegResponse.fromSuccess(rpComplete(answer));
      assert.ok(response);
      assert.deepEqual(response.toJSON(), {
        nickname: 'vic',
        email: 'victim@corp.example',
        fullname: 'Vic Tim',
      });
      assert.equal(response.get('gender'), null);
    });
  }

  test('an SReg 1.0 request in OpenID 2 gets its answer in the 1.0 namespace', () => {
    const url = rpRequestUrl('2.0', [new SRegRequest({ optional: ['email'], namespace: SREG_1_0_NS })]);
    assert.equal(new URL(url).searchParams.get('openid.ns.sreg'), SREG_1_0_NS);
    const request = opDecode(url);
    const sreg = SRegRequest.fromCheckIdRequest(request);
    assert.equal(sreg?.namespaceUri, SREG_1_0_NS);
    const answer = opAnswerUrl(request, [SRegResponse.extractResponse(sreg as SRegRequest, PROFILE)]);
    assert.equal(new URL(answer).searchParams.get('openid.ns.sreg'), SREG_1_0_NS);
    const response = SRegResponse.fromSuccess(rpComplete(answer));
    assert.equal(response?.namespaceUri, SREG_1_0_NS);
    assert.equal(response?.get('email'), 'victim@corp.example');
  });

  test('a field the user did not release is absent even when requested', () => {
    const request = opDecode(rpRequestUrl('2.0', [new SRegRequest({ required: ['email', 'postcode'] })]));
    const sreg = SRegRequest.fromCheckIdRequest(request) as SRegRequest;
    const answer = opAnswerUrl(request, [SRegResponse.extractResponse(sreg, { email: 'a@b.example' })]);
    const response = SRegResponse.fromSuccess(rpComplete(answer));
    assert.equal(response?.get('postcode'), null);
    assert.equal(response?.get('email'), 'a@b.example');
  });
});

describe('SReg requests', () => {
  test('refuses unknown field names, repeats, and a field both required and optional', () => {
    assert.throws(() => new SRegRequest({ required: ['emial' as 'email'] }), isSregInvalid);
    assert.throws(() => new SRegRequest({ optional: ['email', 'email'] }), isSregInvalid);
    assert.throws(() => new SRegRequest({ required: ['email'], optional: ['email'] }), isSregInvalid);
    assert.throws(
      () => new SRegRequest({ namespace: 'http://example.com/x' as typeof SREG_1_1_NS }),
      isSregInvalid,
    );
  });

  test('refuses a policy URL that is not absolute http(s)', () => {
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', '/privacy', 'ftp://rp.example/p']) {
      assert.throws(() => new SRegRequest({ policyUrl: bad }), isSregInvalid, bad);
    }
  });

  test('omits empty lists from the wire', () => {
    assert.deepEqual(new SRegRequest({ optional: ['email'] }).toArgs('2.0'), { optional: 'email' });
    assert.deepEqual(new SRegRequest().toArgs('1.1'), {});
  });

  test('the provider refuses a received request naming an unknown field', () => {
    const m = Message.fromPostArgs({
      'openid.ns': OPENID2_NS,
      'openid.mode': 'checkid_setup',
      'openid.ns.sreg': SREG_1_1_NS,
      'openid.sreg.required': 'email,password',
    });
    assert.throws(() => SRegRequest.fromMessage(m), isSregInvalid);
    m.set(SREG_1_1_NS, 'required', 'email,');
    assert.throws(() => SRegRequest.fromMessage(m), isSregInvalid);
  });

  test('reads null from a message without SReg', () => {
    const m = Message.fromPostArgs({ 'openid.ns': OPENID2_NS, 'openid.mode': 'checkid_setup' });
    assert.equal(SRegRequest.fromMessage(m), null);
    // In OpenID 2, an undeclared `sreg` alias is not SReg.
    const undeclared = Message.fromPostArgs({ ...m.toPostArgs(), 'openid.sreg.required': 'email' });
    assert.equal(SRegRequest.fromMessage(undeclared), null);
  });

  test('prefers SReg 1.1 when a message declares both namespaces', () => {
    const m = Message.fromPostArgs({
      'openid.ns': OPENID2_NS,
      'openid.ns.old': SREG_1_0_NS,
      'openid.old.required': 'nickname',
      'openid.ns.sreg': SREG_1_1_NS,
      'openid.sreg.required': 'email',
    });
    assert.deepEqual(SRegRequest.fromMessage(m)?.required, ['email']);
  });
});

describe('SReg responses', () => {
  test('checks the formats the provider must send: gender M/F, dob YYYY-MM-DD', () => {
    assert.throws(() => new SRegResponse({ gender: 'female' }), isSregInvalid);
    assert.throws(() => new SRegResponse({ dob: '12/31/1980' }), isSregInvalid);
    assert.throws(() => new SRegResponse({ dob: '1980-13-01' }), isSregInvalid);
    assert.throws(() => new SRegResponse({ password: 'x' } as SRegData), isSregInvalid);
    assert.equal(new SRegResponse({ dob: '1980-00-00' }).get('dob'), '1980-00-00');
  });

  test('a value with a newline cannot be put in a message', () => {
    const m = Message.create('2.0');
    const sreg = new SRegResponse({ fullname: 'a\nb' });
    assert.throws(
      () => m.update(SREG_1_1_NS, sreg.toArgs('2.0')),
      (e: unknown) => e instanceof ProtocolError && e.code === 'malformed_message',
    );
  });

  test('ignores arguments that are not SReg fields and reads null when none is present', () => {
    const m = Message.fromPostArgs({
      'openid.mode': 'id_res',
      'openid.sreg.email': 'a@b.example',
      'openid.sreg.is_admin': 'true',
    });
    assert.deepEqual(SRegResponse.fromMessage(m)?.toJSON(), { email: 'a@b.example' });
    const none = Message.fromPostArgs({ 'openid.mode': 'id_res', 'openid.sreg.is_admin': 'true' });
    assert.equal(SRegResponse.fromMessage(none), null);
  });

  test('keeps received values as sent', () => {
    const m = Message.fromPostArgs({ 'openid.mode': 'id_res', 'openid.sreg.gender': 'X' });
    assert.equal(SRegResponse.fromMessage(m)?.get('gender'), 'X');
    assert.equal(m.get(OPENID_NS, 'mode'), 'id_res');
  });
});
