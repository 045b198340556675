/**
 * Issue 18, item 4: `setup_needed` is not an open-redirect primitive.
 *
 * The attack: a crafted link to the relying party's return URL carrying
 * `openid.mode=setup_needed` (2.0) or `openid.mode=id_res` with
 * `openid.user_setup_url=https://evil.example/` (1.x), no login state. Before
 * the fix complete() answered `setup_needed` with the attacker's URL and the
 * docs said to send the user there. Now a setup answer is believed only in
 * reply to an immediate request this browser started (state bound by the
 * return_to nonce) and names only a setup URL on the provider's origin.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OPENID2_NS } from '../../../src/protocol/constants.js';
import { Message, OPENID_NS } from '../../../src/protocol/message.js';
import { RelyingParty } from '../../../src/rp/relying-party.js';
import type { CompleteResult } from '../../../src/rp/result.js';
import { checkSetupUrlOrigin } from '../../../src/rp/setup-needed.js';
import { FakeOP, identityPage, OP, TestStore } from '../../helpers/fake-op.js';

const RETURN = 'https://rp.example/return?sid=S';

function world(version: '2.0' | '1.1') {
  const op = new FakeOP(OP, {
    pages: { 'https://bob.example/': identityPage(OP, { version, localId: 'https://op.example/id/bob' }) },
  });
  const rp = new RelyingParty({
    realm: 'https://rp.example/',
    returnTo: RETURN,
    secret: 'x'.repeat(40),
    fetcher: op.fetcher,
    store: new TestStore(),
  });
  return { op, rp };
}

/** The setup answer as it would arrive at `base` (the sent return_to, or a crafted URL). */
function setupAnswer(version: '2.0' | '1.1', base: string, setupUrl?: string): string {
  const fields: Record<string, string> =
    version === '2.0'
      ? { 'openid.ns': OPENID2_NS, 'openid.mode': 'setup_needed' }
      : { 'openid.mode': 'id_res' };
  if (setupUrl !== undefined) fields['openid.user_setup_url'] = setupUrl;
  return Message.fromPostArgs(fields).toURL(base);
}

function code(r: CompleteResult): string {
  assert.equal(r.status, 'failure', JSON.stringify(r));
  return (r as { code: string }).code;
}

async function immediateLogin(rp: RelyingParty) {
  const auth = await rp.begin('https://bob.example/', { immediate: true });
  const sent = FakeOP.request(auth.redirectUrl).get(OPENID_NS, 'return_to') as string;
  return { auth, sent };
}

describe('issue 18 item 4: setup_needed only for an immediate request this browser started', () => {
  describe('the reported attack: crafted link, no state', () => {
    for (const version of ['2.0', '1.1'] as const) {
      test(`${version}: setup answer with https://evil.example/ and no state is a failure`, async () => {
        const { rp } = world(version);
        const r = await rp.complete(setupAnswer(version, RETURN, 'https://evil.example/phish'), {});
        assert.equal(code(r), 'unsolicited_rejected');
      });
      test(`${version}: setup answer without any setup URL and no state is a failure too`, async () => {
        const { rp } = world(version);
        assert.equal(code(await rp.complete(setupAnswer(version, RETURN), {})), 'unsolicited_rejected');
      });
      test(`${version}: no state even with allowUnsolicited: still a failure`, async () => {
        const op = new FakeOP(OP);
        const rp = new RelyingParty({
          realm: 'https://rp.example/',
          returnTo: RETURN,
          secret: 'x'.repeat(40),
          fetcher: op.fetcher,
          store: new TestStore(),
          allowUnsolicited: true,
        });
        assert.equal(
          code(await rp.complete(setupAnswer(version, RETURN, `${OP}/setup`), {})),
          'unsolicited_rejected',
        );
      });
    }
  });

  describe('state present but not bound to this answer', () => {
    for (const version of ['2.0', '1.1'] as const) {
      test(`${version}: a non-immediate login's state is unexpected_mode`, async () => {
        const { rp } = world(version);
        const auth = await rp.begin('https://bob.example/');
        const sent = FakeOP.request(auth.redirectUrl).get(OPENID_NS, 'return_to') as string;
        assert.equal(
          code(await rp.complete(setupAnswer(version, sent, `${OP}/setup`), { state: auth.state })),
          'unexpected_mode',
        );
      });
      test(`${version}: the return URL without this login's nonce is session_binding_failed`, async () => {
        const { rp } = world(version);
        const { auth } = await immediateLogin(rp);
        assert.equal(
          code(await rp.complete(setupAnswer(version, RETURN, `${OP}/setup`), { state: auth.state })),
          'session_binding_failed',
        );
      });
      test(`${version}: another login's nonce is session_binding_failed`, async () => {
        const { rp } = world(version);
        const mine = await immediateLogin(rp);
        const other = await immediateLogin(rp);
        const r = await rp.complete(setupAnswer(version, other.sent, `${OP}/setup`), {
          state: mine.auth.state,
        });
        assert.equal(code(r), 'session_binding_failed');
      });
      test(`${version}: the nonce given twice is session_binding_failed`, async () => {
        const { rp } = world(version);
        const { auth, sent } = await immediateLogin(rp);
        const doubled = new URL(sent);
        doubled.searchParams.append(
          'openid2.rp_nonce',
          doubled.searchParams.get('openid2.rp_nonce') as string,
        );
        const r = await rp.complete(setupAnswer(version, doubled.toString(), `${OP}/setup`), {
          state: auth.state,
        });
        // Refused either by the message parser (a repeated parameter) or by the binding check.
        assert.ok(['session_binding_failed', 'malformed_message'].includes(code(r)), JSON.stringify(r));
      });
    }
  });

  describe('bound state: the answer reaches the app', () => {
    test('2.0 setup_needed with no setup URL is setup_needed, setupUrl null', async () => {
      const { rp } = world('2.0');
      const { auth, sent } = await immediateLogin(rp);
      assert.deepEqual(await rp.complete(setupAnswer('2.0', sent), { state: auth.state }), {
        status: 'setup_needed',
        setupUrl: null,
      });
    });
    test('2.0 setup_needed with a setup URL on the provider origin (python-openid) passes it on', async () => {
      const { rp } = world('2.0');
      const { auth, sent } = await immediateLogin(rp);
      const setup = 'https://op.example/server?openid.mode=checkid_setup';
      assert.deepEqual(await rp.complete(setupAnswer('2.0', sent, setup), { state: auth.state }), {
        status: 'setup_needed',
        setupUrl: setup,
      });
    });
    test('1.x id_res with a setup URL on the provider origin is setup_needed with it', async () => {
      const { rp } = world('1.1');
      const { auth, sent } = await immediateLogin(rp);
      const setup = 'https://op.example/setup?x=1';
      assert.deepEqual(await rp.complete(setupAnswer('1.1', sent, setup), { state: auth.state }), {
        status: 'setup_needed',
        setupUrl: setup,
      });
    });
  });

  describe('bound state, setup URL off the provider origin: 1.x failure, 2.0 URL dropped', () => {
    const foreign = [
      'https://evil.example/',
      'https://op.example.evil.example/setup',
      'https://op.example@evil.example/setup',
      'https://evil.example/https://op.example/',
      'http://op.example/setup',
      'https://op.example:8443/setup',
      '//evil.example/setup',
      '/setup',
      'javascript:alert(document.cookie)',
      'JAVASCRIPT:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'https://evil%2Eexample/',
      'https://op.example%2Eevil.example/',
    ];
    for (const version of ['1.1', '2.0'] as const) {
      for (const setupUrl of foreign) {
        test(`${version}: ${setupUrl}`, async () => {
          const { rp } = world(version);
          const { auth, sent } = await immediateLogin(rp);
          const r = await rp.complete(setupAnswer(version, sent, setupUrl), { state: auth.state });
          // 1.x: the URL is the answer, so a foreign one fails it; 2.0: the URL is dropped, never passed on.
          if (version === '1.1') assert.equal(code(r), 'setup_url_untrusted');
          else assert.deepEqual(r, { status: 'setup_needed', setupUrl: null });
        });
      }
    }
  });

  describe('checkSetupUrlOrigin reads origins parsed (case, percent-encoding, default port)', () => {
    const same = [
      'https://op.example/setup',
      'HTTPS://OP.EXAMPLE/setup',
      'https://op.example:443/setup',
      'https://op%2Eexample/setup', // percent-encoded dot in the host decodes to op.example
      'https://OP.example./setup'.replace('./', '/'),
    ];
    for (const url of same) {
      test(`same origin: ${url}`, () => assert.deepEqual(checkSetupUrlOrigin(url, OP), { ok: true }));
    }
    for (const url of ['https://op.example.:443/x', 'http://op.example:443/', 'https://0p.example/']) {
      test(`other origin: ${url}`, () => assert.equal(checkSetupUrlOrigin(url, OP).ok, false));
    }
  });
});
