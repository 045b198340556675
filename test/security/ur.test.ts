/**
 * Security cases UR-02, UR-04, UR-05, UR-07, UR-08 (docs/security-cases.md
 * §18) at the relying party: one canonical spelling per identifier, and
 * odd URLs never reach the network. The URI-normaliser level of the same
 * cases is in test/protocol/urinorm.test.ts; UR-01, UR-03 and UR-06 are with
 * the Steam/adapters work.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OPENID_NS } from '../../src/protocol/message.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { identityPage, OP, TestStore } from '../helpers/fake-op.js';
import { FakeOP, failure, fakeLogin, makeRp, REALM, RETURN, SECRET, success } from './world.js';

const ALICE = 'https://op.example/id/alice';

function local(pages: Record<string, string> = {}, endpoint = OP, extra: Parameters<typeof makeRp>[0] = {}) {
  const op = new FakeOP(endpoint, { pages: { [ALICE]: identityPage(OP), ...pages } });
  return { op, rp: makeRp({ fetcher: op.fetcher, store: new TestStore(), ...extra }) };
}

describe('UR: one canonical identifier, whatever the spelling', () => {
  test('UR-02 a fullwidth host in the signed claimed_id comes back as the canonical identifier', async () => {
    const { op, rp } = local();
    const wide = 'https://ｏｐ.ｅｘａｍｐｌｅ/id/alice';
    const { auth, url } = await fakeLogin(rp, op, ALICE, {
      edit: (m) => m.set(OPENID_NS, 'claimed_id', wide).set(OPENID_NS, 'identity', wide),
    });
    assert.equal(success(await rp.complete(url, { state: auth.state })), ALICE);
  });

  test('UR-04 a trailing-dot host cannot get around the provider allowlist (untrusted_op)', async () => {
    const dotted = 'https://op.example./id/alice';
    const dottedOp = 'https://op.example./server';
    const { op, rp } = local({ [dotted]: identityPage(dottedOp) }, dottedOp, {
      allowedProviders: [OP],
      allowUnsolicited: true,
    });
    await assert.rejects(rp.begin(dotted), { code: 'untrusted_op' });
    const request = FakeOP.request(
      `${dottedOp}?openid.ns=${encodeURIComponent('http://specs.openid.net/auth/2.0')}`,
    );
    request
      .set(OPENID_NS, 'claimed_id', dotted)
      .set(OPENID_NS, 'identity', dotted)
      .set(OPENID_NS, 'return_to', RETURN);
    assert.equal(failure(await rp.complete(FakeOP.returnUrl(op.assertion(request)), {})), 'untrusted_op');
  });

  test('UR-05 %-encoded unreserved characters are the same identifier; NFC and NFD are not', async () => {
    const { op, rp } = local();
    const encoded = 'https://op.example/id/%61lice';
    const a = await fakeLogin(rp, op, ALICE, {
      edit: (m) => m.set(OPENID_NS, 'claimed_id', encoded).set(OPENID_NS, 'identity', encoded),
    });
    assert.equal(success(await rp.complete(a.url, { state: a.auth.state })), ALICE);
    const nfc = 'https://op.example/id/ren%C3%A9';
    const nfd = 'https://op.example/id/rene%CC%81';
    const { op: op2, rp: rp2 } = local({ [nfc]: identityPage(OP) });
    const b = await fakeLogin(rp2, op2, nfc, {
      edit: (m) => m.set(OPENID_NS, 'claimed_id', nfd).set(OPENID_NS, 'identity', nfd),
    });
    assert.equal(failure(await rp2.complete(b.url, { state: b.auth.state })), 'discovery_failed');
  });

  test('UR-07 IPv6 zone ids and non-global IPv6 identifiers never reach the network', async () => {
    const rp = new RelyingParty({ realm: REALM, returnTo: RETURN, secret: SECRET });
    await assert.rejects(
      rp.begin('http://[fe80::1%25eth0]/'),
      (e: { code?: string }) => typeof e.code === 'string',
    );
    for (const id of [
      'http://[::1]/',
      'https://[::1]:443/',
      'http://[::ffff:127.0.0.1]/',
      'http://[fe80::1]/',
    ]) {
      await assert.rejects(rp.begin(id), { code: 'fetch_blocked' }, id);
    }
  });

  test('UR-08 XRI identifiers are refused unless a resolver is configured (xri_not_configured)', async () => {
    const rp = new RelyingParty({ realm: REALM, returnTo: RETURN, secret: SECRET });
    for (const id of ['=victim', 'xri://=victim', '@corp*victim']) {
      await assert.rejects(rp.begin(id), { code: 'xri_not_configured' }, id);
    }
  });
});
