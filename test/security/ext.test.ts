/**
 * Security cases EXT-01 … EXT-12 (docs/security-cases.md §3): extension
 * data an attacker adds, re-points or inflates never reaches the
 * application as if the provider had signed it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { AXFetchRequest, AXFetchResponse } from '../../src/extensions/ax.js';
import { AX_NS, AX_TYPES } from '../../src/extensions/ax-types.js';
import {
  PAPE_NS,
  PAPE_POLICY_PHISHING_RESISTANT,
  PAPERequest,
  PAPEResponse,
} from '../../src/extensions/pape.js';
import { SRegRequest, SRegResponse } from '../../src/extensions/sreg.js';
import { OPENID2_NS, SREG_1_1_NS } from '../../src/protocol/constants.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import {
  allKeysExcept,
  CLAIMED_ID,
  opAnswerUrl,
  opDecode,
  REALM,
  rpComplete,
  rpRequestUrl,
  tamper,
} from '../extensions/flow.js';

const VICTIM_EMAIL = 'victim@corp.example';

/** A genuine 2.0 assertion carrying `extensions`, signed over every field. */
function genuine(...extensions: Parameters<typeof opAnswerUrl>[1]): string {
  return opAnswerUrl(opDecode(rpRequestUrl('2.0', [])), extensions);
}

const UNSIGNED_AX = {
  'openid.ns.ext1': AX_NS,
  'openid.ext1.mode': 'fetch_response',
  'openid.ext1.type.email': AX_TYPES.email,
  'openid.ext1.value.email': VICTIM_EMAIL,
};

describe('EXT: only signed extension data reaches the application', () => {
  test('EXT-01: an unsigned AX fetch_response appended to a genuine assertion is ignored; the login stands', () => {
    const url = tamper(genuine(), UNSIGNED_AX);
    const result = rpComplete(url);
    assert.equal(result.signedMessage.get(OPENID_NS, 'claimed_id'), CLAIMED_ID);
    assert.equal(AXFetchResponse.fromSuccess(result), null);
    assert.deepEqual(AXFetchResponse.readSuccess(result), { ok: true, value: null });
    // The raw message does carry it: only the signed view keeps it out.
    assert.equal(AXFetchResponse.fromMessage(Message.fromQuery(url))?.get(AX_TYPES.email), VICTIM_EMAIL);
  });

  test('EXT-01: an unsigned email added under the genuine, signed AX alias is ignored', () => {
    const signedAx = new AXFetchResponse().add(AX_TYPES.nickname, 'mallory', { alias: 'nick' });
    const url = tamper(genuine(signedAx), {
      'openid.ax.type.email': AX_TYPES.email,
      'openid.ax.value.email': VICTIM_EMAIL,
    });
    const ax = AXFetchResponse.fromSuccess(rpComplete(url));
    assert.equal(ax?.get(AX_TYPES.nickname), 'mallory');
    assert.equal(ax?.get(AX_TYPES.email), null);
    assert.equal(ax?.has(AX_TYPES.email), false);
  });

  test('EXT-01: no unsigned AX value ever shows up, whatever the attacker appends', () => {
    const base = genuine(new AXFetchResponse().add(AX_TYPES.nickname, 'mallory', { alias: 'nick' }));
    fc.assert(
      fc.property(
        fc.constantFrom('ax', 'ext1', 'nick'),
        fc.constantFrom('email', 'nick', 'x'),
        fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[\0\r\n]/.test(s)),
        fc.boolean(),
        (alias, attr, value, declare) => {
          const extra: Record<string, string> = {
            [`openid.${alias}.type.${attr}`]: AX_TYPES.email,
            [`openid.${alias}.value.${attr}`]: `evil:${value}`,
          };
          if (declare && alias !== 'ax') extra[`openid.ns.${alias}`] = AX_NS;
          // Overwriting a signed field is a signature failure (SIG cases), not this case.
          const signed = new URL(base).searchParams;
          fc.pre(Object.keys(extra).every((k) => !signed.has(k)));
          let url: string;
          try {
            url = tamper(base, extra);
            Message.fromQuery(url);
          } catch {
            return; // the message layer refused the tampered message outright
          }
          const read = AXFetchResponse.readSuccess(rpComplete(url));
          for (const t of read.value?.typeUris() ?? []) {
            for (const v of read.value?.getAll(t) ?? []) assert.ok(!v.startsWith('evil:'), v);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('EXT-02: values are found by the signed type URI, never by alias name', () => {
    // The attacker rewrote the request so alias `email` names the first-name type.
    const forged = new AXFetchRequest().add(AX_TYPES.firstName, { alias: 'email', required: true });
    const request = opDecode(rpRequestUrl('2.0', [forged]));
    const ax = AXFetchRequest.fromCheckIdRequest(request) as AXFetchRequest;
    // The provider signs the attacker's own first name, set to the victim's address.
    const answer = opAnswerUrl(request, [
      AXFetchResponse.extractResponse(ax, { [AX_TYPES.firstName]: VICTIM_EMAIL }),
    ]);
    assert.equal(new URL(answer).searchParams.get('openid.ax.value.email'), VICTIM_EMAIL);
    const response = AXFetchResponse.fromSuccess(rpComplete(answer));
    assert.equal(response?.get(AX_TYPES.email), null);
    assert.equal(response?.get(AX_TYPES.firstName), VICTIM_EMAIL);
  });

  test('EXT-03: signed AX values under an unsigned alias declaration are not AX', () => {
    const ax = new AXFetchResponse().add(AX_TYPES.email, 'mallory@evil.example', { alias: 'email' });
    const url = opAnswerUrl(opDecode(rpRequestUrl('2.0', [])), [ax], { signedKeys: allKeysExcept('ns.ax') });
    assert.equal(AXFetchResponse.fromSuccess(rpComplete(url)), null);
  });

  test('EXT-03: an unsigned declaration cannot re-point signed values at SReg', () => {
    // Signed `ext1.email` under an extension the RP does not read; the attacker re-declares ext1 as SReg.
    const other = {
      namespaceUri: 'http://example.com/ext',
      preferredAlias: 'ext1',
      toArgs: () => ({ email: VICTIM_EMAIL }),
    };
    const signed = opAnswerUrl(opDecode(rpRequestUrl('2.0', [])), [other], {
      signedKeys: allKeysExcept('ns.ext1'),
    });
    const url = tamper(signed, { 'openid.ns.ext1': SREG_1_1_NS });
    assert.equal(new URL(url).searchParams.get('openid.ns.ext1'), SREG_1_1_NS);
    assert.equal(SRegResponse.fromSuccess(rpComplete(url)), null);
  });

  test('EXT-04: unsigned SReg values appended to an OpenID 2 assertion are ignored', () => {
    const url = tamper(genuine(), {
      'openid.ns.sreg': SREG_1_1_NS,
      'openid.sreg.email': VICTIM_EMAIL,
      'openid.sreg.nickname': 'admin',
    });
    assert.equal(SRegResponse.fromSuccess(rpComplete(url)), null);
  });

  test('EXT-05: with nickname signed and email unsigned, only the nickname is available', () => {
    const request = opDecode(rpRequestUrl('2.0', [new SRegRequest({ required: ['nickname', 'email'] })]));
    const sreg = SRegRequest.fromCheckIdRequest(request) as SRegRequest;
    const answer = opAnswerUrl(
      request,
      [SRegResponse.extractResponse(sreg, { nickname: 'vic', email: 'vic@op.example' })],
      {
        signedKeys: allKeysExcept('sreg.email'),
      },
    );
    const url = tamper(answer, { 'openid.sreg.email': VICTIM_EMAIL });
    const response = SRegResponse.fromSuccess(rpComplete(url));
    assert.equal(response?.get('nickname'), 'vic');
    assert.equal(response?.get('email'), null);
  });

  test('EXT-05: with a count signed but one numbered value unsigned, AX is dropped with a reason', () => {
    const ax = new AXFetchResponse().add(AX_TYPES.nickname, ['a', 'b'], { alias: 'n' });
    const answer = opAnswerUrl(opDecode(rpRequestUrl('2.0', [])), [ax], {
      signedKeys: allKeysExcept('ax.value.n.2'),
    });
    const read = AXFetchResponse.readSuccess(rpComplete(answer));
    assert.equal(read.ok, false);
    assert.equal(read.value, null);
  });

  test('EXT-06: unsigned sreg fields under OpenID 1’s implicit alias are ignored', () => {
    const request = opDecode(rpRequestUrl('1.1', []));
    const answer = opAnswerUrl(request, []);
    const url = tamper(answer, { 'openid.sreg.email': VICTIM_EMAIL });
    assert.equal(SRegResponse.fromMessage(Message.fromQuery(url))?.get('email'), VICTIM_EMAIL);
    assert.equal(SRegResponse.fromSuccess(rpComplete(url)), null);
  });

  test('EXT-07: an unsigned PAPE policy claim is ignored', () => {
    const url = tamper(genuine(), {
      'openid.ns.pape': PAPE_NS,
      'openid.pape.auth_policies': PAPE_POLICY_PHISHING_RESISTANT,
      'openid.pape.auth_time': '2030-01-01T00:00:00Z',
    });
    assert.equal(PAPEResponse.fromSuccess(rpComplete(url)), null);
  });

  test('EXT-07: an unsigned policy cannot be swapped into a signed PAPE response', () => {
    const request = opDecode(rpRequestUrl('2.0', [new PAPERequest()]));
    const authTime = new Date(Date.UTC(2024, 0, 1));
    const answer = opAnswerUrl(request, [new PAPEResponse({ authTime })], {
      signedKeys: allKeysExcept('pape.auth_policies'),
    });
    const url = tamper(answer, { 'openid.pape.auth_policies': PAPE_POLICY_PHISHING_RESISTANT });
    const read = PAPEResponse.readSuccess(rpComplete(url));
    // Without its signed auth_policies the response is malformed, never phishing-resistant.
    assert.equal(read.value, null);
    assert.equal(!read.ok && read.error.code, 'pape_invalid');
  });
});

describe('EXT-08: namespace alias abuse is refused by the message layer', () => {
  const isProtocolError = (code: string) => (e: unknown) => e instanceof ProtocolError && e.code === code;

  test('two aliases for the AX namespace', () => {
    const url = tamper(genuine(new AXFetchResponse().add(AX_TYPES.email, 'a@op.example')), {
      'openid.ns.ext1': AX_NS,
      'openid.ext1.mode': 'fetch_response',
    });
    assert.throws(() => Message.fromQuery(url), isProtocolError('ns_alias_conflict'));
  });

  test('reserved words and periods as aliases', () => {
    for (const alias of ['mode', 'signed', 'ns', 'a.b']) {
      const url = tamper(genuine(), { [`openid.ns.${alias}`]: AX_NS });
      assert.throws(() => Message.fromQuery(url), isProtocolError('ns_alias_invalid'), alias);
    }
  });

  test('an alias for the OpenID namespace itself', () => {
    const url = tamper(genuine(), { 'openid.ns.foo': OPENID2_NS });
    assert.throws(() => Message.fromQuery(url), isProtocolError('ns_alias_invalid'));
  });

  test('AX attribute aliases with a comma are refused on both sides', () => {
    const m = Message.fromPostArgs({
      'openid.ns': OPENID2_NS,
      'openid.ns.ax': AX_NS,
      'openid.ax.mode': 'fetch_response',
      'openid.ax.type.a,b': AX_TYPES.email,
    });
    assert.throws(() => AXFetchResponse.fromMessage(m), isProtocolError('ax_invalid'));
  });
});

describe('EXT-09: inflated AX counts and sizes cost nothing', () => {
  test('a huge count with few values is refused without allocating it', () => {
    const evil = {
      namespaceUri: AX_NS,
      preferredAlias: 'ax',
      toArgs: () => ({
        mode: 'fetch_response',
        'type.email': AX_TYPES.email,
        'count.email': '100000000',
        'value.email.1': 'a@op.example',
      }),
    };
    const read = AXFetchResponse.readSuccess(rpComplete(genuine(evil)));
    assert.equal(!read.ok && read.error.code, 'ax_invalid');
    const absurd = { ...evil, toArgs: () => ({ ...evil.toArgs(), 'count.email': '9'.repeat(400) }) };
    assert.equal(AXFetchResponse.readSuccess(rpComplete(genuine(absurd))).ok, false);
  });

  test('a huge requested count releases only the values the provider has', () => {
    const request = opDecode(
      rpRequestUrl('2.0', [new AXFetchRequest().add(AX_TYPES.email, { count: 100_000_000 })]),
    );
    const ax = AXFetchRequest.fromCheckIdRequest(request) as AXFetchRequest;
    assert.equal(ax.get(AX_TYPES.email)?.count, 100_000_000);
    const response = AXFetchResponse.extractResponse(ax, {
      [AX_TYPES.email]: ['a@op.example', 'b@op.example'],
    });
    assert.deepEqual(response.getAll(AX_TYPES.email), ['a@op.example', 'b@op.example']);
  });

  test('thousands of values or a 1 MB value are refused by the message bounds', () => {
    const many: Record<string, string> = {
      'openid.ns': OPENID2_NS,
      'openid.ns.ax': AX_NS,
      'openid.ax.count.e': '5000',
    };
    for (let i = 1; i <= 5000; i++) many[`openid.ax.value.e.${i}`] = 'x';
    assert.throws(() => Message.fromPostArgs(many), isTooLarge);
    const big = {
      'openid.ns': OPENID2_NS,
      'openid.ns.ax': AX_NS,
      'openid.ax.value.e': 'x'.repeat(1024 * 1024),
    };
    assert.throws(() => Message.fromPostArgs(big), isTooLarge);
  });
});

function isTooLarge(e: unknown): boolean {
  return e instanceof ProtocolError && e.code === 'message_too_large';
}

describe('EXT-11 / EXT-12: what the provider shows and releases', () => {
  test('EXT-11: a javascript: or data: policy_url never reaches the consent page', () => {
    for (const policy of [
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'JaVaScRiPt:alert(1)',
    ]) {
      const m = Message.fromPostArgs({
        'openid.ns': OPENID2_NS,
        'openid.mode': 'checkid_setup',
        'openid.realm': REALM,
        'openid.ns.sreg': SREG_1_1_NS,
        'openid.sreg.optional': 'email',
        'openid.sreg.policy_url': policy,
      });
      const sreg = SRegRequest.fromCheckIdRequest({ message: m });
      assert.equal(sreg?.policyUrl, null, policy);
      assert.deepEqual(sreg?.optional, ['email']);
    }
  });

  test('EXT-12: attributes the user did not approve are not released', () => {
    const fetch = new AXFetchRequest()
      .add(AX_TYPES.email, { required: true })
      .add(AX_TYPES.birthDate)
      .add(AX_TYPES.postalCode);
    const request = opDecode(rpRequestUrl('2.0', [fetch]));
    const ax = AXFetchRequest.fromCheckIdRequest(request) as AXFetchRequest;
    const profile: Record<string, string> = {
      [AX_TYPES.email]: 'vic@op.example',
      [AX_TYPES.birthDate]: '1980-01-01',
      [AX_TYPES.postalCode]: '8001',
    };
    const approved = [AX_TYPES.email];
    const released = Object.fromEntries(
      Object.entries(profile).filter(([t]) => approved.includes(t as never)),
    );
    const answer = opAnswerUrl(request, [AXFetchResponse.extractResponse(ax, released)]);
    const wire = [...new URL(answer).searchParams.values()];
    assert.ok(!wire.includes('1980-01-01') && !wire.includes('8001'));
    const response = AXFetchResponse.fromSuccess(rpComplete(answer));
    assert.deepEqual(response?.typeUris(), [AX_TYPES.email]);
  });
});
