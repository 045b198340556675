import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AXFetchResponse } from '../../src/extensions/ax.js';
import { AX_NS, AX_TYPES } from '../../src/extensions/ax-types.js';
import {
  addExtensionToMessage,
  type Extension,
  readSignedExtension,
  type VerifiedAssertion,
} from '../../src/extensions/extension.js';
import { SRegRequest, SRegResponse } from '../../src/extensions/sreg.js';
import { OPENID2_NS, type OpenIDVersion, SREG_1_0_NS, SREG_1_1_NS } from '../../src/protocol/constants.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { Message } from '../../src/protocol/message.js';
import { opAnswerUrl, opDecode, rpComplete, rpRequestUrl } from './flow.js';

const UI_NS = 'http://specs.openid.net/extensions/ui/1.0';

/** A third-party extension written against the contract only: the UI extension's popup mode. */
class UiPopup implements Extension {
  readonly namespaceUri = UI_NS;
  readonly preferredAlias = 'ui';
  constructor(readonly lang: string) {}
  toArgs(_version: OpenIDVersion): Record<string, string> {
    return { mode: 'popup', lang: this.lang };
  }
  static fromMessage(message: Message): UiPopup | null {
    if (message.get(UI_NS, 'mode') !== 'popup') return null;
    const lang = message.get(UI_NS, 'lang');
    if (lang === undefined) throw new ProtocolError('ui_invalid', 'lang is missing');
    return new UiPopup(lang);
  }
}

describe('the extension contract', () => {
  test('a third-party extension round trips without touching the core', () => {
    const request = opDecode(rpRequestUrl('2.0', [new UiPopup('de-CH')]));
    const ui = UiPopup.fromMessage(request.message);
    assert.equal(ui?.lang, 'de-CH');
    const result = rpComplete(opAnswerUrl(request, [new UiPopup('fr')]));
    const read = readSignedExtension(result, UiPopup);
    assert.deepEqual(read, { ok: true, value: new UiPopup('fr') });
  });

  test('readSignedExtension reports malformed signed arguments instead of throwing', () => {
    const request = opDecode(rpRequestUrl('2.0', []));
    const result = rpComplete(
      opAnswerUrl(request, [
        {
          namespaceUri: AX_NS,
          preferredAlias: 'ax',
          toArgs: () => ({
            mode: 'fetch_response',
            'type.e': AX_TYPES.email,
            'count.e': '2',
            'value.e.1': 'x',
          }),
        },
      ]),
    );
    const read = AXFetchResponse.readSuccess(result);
    assert.equal(read.ok, false);
    assert.equal(read.value, null);
    assert.equal(!read.ok && read.error.code, 'ax_invalid');
    assert.equal(AXFetchResponse.fromSuccess(result), null);
  });

  test('anything but a success result reads as absent', () => {
    const fake = { status: 'failure', signedMessage: Message.create('2.0') } as unknown as VerifiedAssertion;
    assert.deepEqual(readSignedExtension(fake, SRegResponse), { ok: true, value: null });
    assert.equal(SRegResponse.fromSuccess(null as unknown as VerifiedAssertion), null);
  });

  test('programming errors in a parser are not swallowed', () => {
    const broken = {
      fromMessage(): never {
        throw new TypeError('bug');
      },
    };
    const result = { status: 'success', signedMessage: Message.create('2.0') } as const;
    assert.throws(() => readSignedExtension(result, broken), TypeError);
  });
});

describe('addExtensionToMessage', () => {
  test('uses the preferred alias when free and a fresh one otherwise', () => {
    const m = Message.create('2.0');
    m.declareNamespace('http://example.com/other', 'sreg');
    addExtensionToMessage(m, new SRegRequest({ required: ['email'] }));
    assert.equal(m.aliasOf(SREG_1_1_NS), 'ext0');
    assert.equal(m.getWire('openid.ns.ext0'), SREG_1_1_NS);
    assert.equal(m.getWire('openid.ext0.required'), 'email');
  });

  test('SReg 1.1 in an OpenID 1 message takes the implicit sreg alias, undeclared', () => {
    const m = Message.create('1.1');
    assert.equal(m.aliasOf(SREG_1_0_NS), 'sreg');
    addExtensionToMessage(m, new SRegRequest({ optional: ['nickname'] }));
    assert.equal(m.aliasOf(SREG_1_1_NS), 'sreg');
    assert.deepEqual(m.entries(), [['openid.sreg.optional', 'nickname']]);
  });

  test('an alias an OpenID 2 message declared itself is not taken over', () => {
    const m = Message.fromPostArgs({ 'openid.ns': OPENID2_NS, 'openid.ns.sreg': SREG_1_0_NS });
    addExtensionToMessage(m, new SRegRequest({ optional: ['nickname'] }));
    assert.equal(m.aliasOf(SREG_1_0_NS), 'sreg');
    assert.equal(m.aliasOf(SREG_1_1_NS), 'ext0');
  });
});
