/**
 * python-openid's consumer conveniences on the relying-party side (issue 24):
 * SuccessResult isOpenID1 / returnTo / displayIdentifier / extensionResponse
 * (signed only), AuthRequest.formMarkup (a bare form with attributes), and
 * the provider's contact / reference kept on an error failure.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SREG_1_1_NS } from '../../src/protocol/constants.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { FakeOP, identityPage, OP } from '../helpers/fake-op.js';

function setup() {
  const op = new FakeOP(OP, {
    pages: { 'https://bob.example/': identityPage(OP, { version: '1.1' }) },
  });
  const rp = new RelyingParty({
    realm: 'https://rp.example/',
    returnTo: 'https://rp.example/return',
    secret: 's'.repeat(40),
    store: new MemoryStore(),
    fetcher: op.fetcher,
  });
  return { op, rp };
}

describe('SuccessResult conveniences', () => {
  test('OpenID 2.0: isOpenID1 false, returnTo the signed one, displayIdentifier without the fragment', async () => {
    const { op, rp } = setup();
    const auth = await rp.begin('https://alice.example/');
    const request = FakeOP.request(auth.redirectUrl);
    const a = op.assertion(request, { claimedId: 'https://alice.example/#1' });
    const r = await rp.complete(FakeOP.returnUrl(a), { state: auth.state });
    assert.equal(r.status, 'success');
    if (r.status !== 'success') return;
    assert.equal(r.isOpenID1(), false);
    assert.equal(r.returnTo, request.get(OPENID_NS, 'return_to'));
    assert.equal(r.claimedId, 'https://alice.example/#1');
    assert.equal(r.displayIdentifier, 'https://alice.example/');
  });

  test('OpenID 1.1: isOpenID1 true', async () => {
    const { op, rp } = setup();
    const auth = await rp.begin('https://bob.example/');
    const a = op.assertion(FakeOP.request(auth.redirectUrl));
    const r = await rp.complete(FakeOP.returnUrl(a), { state: auth.state });
    assert.equal(r.status, 'success');
    if (r.status === 'success') assert.equal(r.isOpenID1(), true);
  });

  test('extensionResponse returns the signed fields of a namespace only', async () => {
    const { op, rp } = setup();
    const auth = await rp.begin('https://alice.example/');
    const a = op.assertion(FakeOP.request(auth.redirectUrl), {
      edit: (m: Message) => {
        m.declareNamespace(SREG_1_1_NS, 'sreg');
        m.set(SREG_1_1_NS, 'nickname', 'alice');
        m.set(SREG_1_1_NS, 'email', 'alice@example.org');
      },
      signedKeys: [
        'op_endpoint',
        'return_to',
        'response_nonce',
        'assoc_handle',
        'claimed_id',
        'identity',
        'ns.sreg',
        'sreg.nickname',
      ],
    });
    const r = await rp.complete(FakeOP.returnUrl(a), { state: auth.state });
    assert.equal(r.status, 'success');
    if (r.status !== 'success') return;
    assert.deepEqual({ ...r.extensionResponse(SREG_1_1_NS) }, { nickname: 'alice' });
    assert.equal(r.extensionResponse('http://example.com/none'), null);
  });
});

describe('AuthRequest.formMarkup', () => {
  test('a bare form (no page, no script) with the given attributes, POSTing every field', async () => {
    const { rp } = setup();
    const auth = await rp.begin('https://alice.example/');
    const html = auth.formMarkup({
      formAttributes: { id: 'openid-form', class: 'a "b"', action: 'https://evil.example/' },
    });
    assert.match(
      html,
      /^<form method="post" accept-charset="UTF-8" action="https:\/\/op\.example\/server" id="openid-form" class="a &quot;b&quot;">/,
    );
    assert.ok(html.trimEnd().endsWith('</form>'));
    assert.ok(!html.includes('<script') && !html.includes('<html') && !html.includes('evil.example'));
    const names = [...html.matchAll(/name="([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(names.sort(), Object.keys(auth.message.toPostArgs()).sort());
  });

  test('an attribute name that is not a plain name is refused', async () => {
    const { rp } = setup();
    const auth = await rp.begin('https://alice.example/');
    assert.throws(() => auth.formMarkup({ formAttributes: { 'x onload=alert(1)': 'y' } }), {
      code: 'invalid_option',
    });
  });
});

describe('FailureResult of a provider error', () => {
  test('keeps openid.contact and openid.reference, control characters removed', async () => {
    const { rp } = setup();
    const auth = await rp.begin('https://alice.example/');
    const m = Message.create('2.0');
    m.set(OPENID_NS, 'mode', 'error')
      .set(OPENID_NS, 'error', 'server trouble')
      .set(OPENID_NS, 'contact', 'admin@op.example')
      .set(OPENID_NS, 'reference', 'ticket\t42');
    const r = await rp.complete(m.toURL('https://rp.example/return'), { state: auth.state });
    assert.equal(r.status, 'failure');
    if (r.status !== 'failure') return;
    assert.equal(r.code, 'op_error');
    assert.equal(r.contact, 'admin@op.example');
    assert.equal(r.reference, 'ticket 42');
  });

  test('an error without them has neither', async () => {
    const { rp } = setup();
    const m = Message.create('2.0');
    m.set(OPENID_NS, 'mode', 'error').set(OPENID_NS, 'error', 'no');
    const r = await rp.complete(m.toURL('https://rp.example/return'));
    assert.equal(r.status, 'failure');
    assert.ok(!('contact' in r) && !('reference' in r));
  });
});
