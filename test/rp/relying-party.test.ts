import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IDENTIFIER_SELECT, TYPE_OP_IDENTIFIER } from '../../src/protocol/constants.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { makeNonce } from '../../src/protocol/nonce.js';
import { RelyingParty, type RelyingPartyOptions } from '../../src/rp/relying-party.js';
import type { CompleteResult } from '../../src/rp/result.js';
import { FakeOP, identityPage, OP, TestStore } from '../helpers/fake-op.js';

const SECRET = 'x'.repeat(40);
const RETURN = 'https://rp.example/return?sid=S';

function setup(opts: Partial<RelyingPartyOptions> & { op?: FakeOP } = {}) {
  const op = opts.op ?? new FakeOP();
  const store = 'store' in opts ? opts.store : new TestStore();
  const rp = new RelyingParty({
    realm: 'https://rp.example/',
    returnTo: RETURN,
    secret: SECRET,
    fetcher: op.fetcher,
    ...opts,
    store: store ?? null,
  });
  return { op, rp, store };
}

async function login(
  rp: RelyingParty,
  op: FakeOP,
  input = 'https://alice.example/',
  edit?: Parameters<FakeOP['assertion']>[1],
) {
  const auth = await rp.begin(input);
  const request = FakeOP.request(auth.redirectUrl);
  const assertion = op.assertion(request, edit);
  return { auth, request, assertion, url: FakeOP.returnUrl(assertion) };
}

function failure(r: CompleteResult): string {
  assert.equal(r.status, 'failure', JSON.stringify(r));
  return (r as { code: string }).code;
}

describe('RelyingParty.begin', () => {
  test('discovers, associates inline and builds a checkid_setup redirect with state', async () => {
    const { rp, op } = setup();
    const auth = await rp.begin('https://alice.example/');
    const m = FakeOP.request(auth.redirectUrl);
    assert.ok(auth.redirectUrl.startsWith(OP));
    assert.equal(m.get(OPENID_NS, 'mode'), 'checkid_setup');
    assert.equal(m.get(OPENID_NS, 'claimed_id'), 'https://alice.example/');
    assert.equal(m.get(OPENID_NS, 'identity'), 'https://alice.example/');
    // return_to is the configured one plus this login's nonce (binds the answer to the state, SE-01).
    const sentReturnTo = new URL(m.get(OPENID_NS, 'return_to') ?? '');
    assert.match(sentReturnTo.searchParams.get('openid2.rp_nonce') ?? '', /^\d{4}-\d\d-\d\dT/);
    sentReturnTo.searchParams.delete('openid2.rp_nonce');
    assert.equal(sentReturnTo.toString(), RETURN);
    assert.equal(m.get(OPENID_NS, 'realm'), 'https://rp.example/');
    assert.ok(m.get(OPENID_NS, 'assoc_handle')?.startsWith('shared-'));
    assert.deepEqual(op.log, ['associate']);
    assert.equal(auth.usesAssociation, true);
    assert.ok(auth.shouldSendRedirect());
    assert.match(auth.formHtml(), /<form[^>]+method="post"/);
    assert.ok(auth.state.length > 20);
  });

  test('reuses a held association instead of associating again', async () => {
    const { rp, op } = setup();
    await rp.begin('https://alice.example/');
    await rp.begin('https://alice.example/');
    assert.deepEqual(op.log, ['associate']);
  });

  test('stateless mode (no store) never associates', async () => {
    const { rp, op } = setup({ store: null });
    const auth = await rp.begin('https://alice.example/');
    assert.equal(FakeOP.request(auth.redirectUrl).get(OPENID_NS, 'assoc_handle'), undefined);
    assert.deepEqual(op.log, []);
  });

  test('a provider that refuses associations does not fail the login', async () => {
    const { rp } = setup({ op: new FakeOP(OP, { refuseAssociations: true }) });
    const auth = await rp.begin('https://alice.example/');
    assert.equal(auth.usesAssociation, false);
  });

  test('an OP identifier gets identifier_select; immediate mode is checkid_immediate', async () => {
    const xrds = `<?xml version="1.0"?><xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service><Type>${TYPE_OP_IDENTIFIER}</Type><URI>${OP}</URI></Service></XRD></xrds:XRDS>`;
    const op = new FakeOP();
    const base = op.fetcher;
    const fetcher: typeof base = async (url, init) =>
      url === 'https://op.example/'
        ? {
            url,
            status: 200,
            headers: new Headers({ 'content-type': 'application/xrds+xml' }),
            body: new TextEncoder().encode(xrds),
            text: () => xrds,
          }
        : base(url, init);
    const { rp } = setup({ op, fetcher });
    const auth = await rp.begin('https://op.example/', { immediate: true });
    const m = FakeOP.request(auth.redirectUrl);
    assert.equal(m.get(OPENID_NS, 'mode'), 'checkid_immediate');
    assert.equal(m.get(OPENID_NS, 'claimed_id'), IDENTIFIER_SELECT);
    assert.equal(m.get(OPENID_NS, 'identity'), IDENTIFIER_SELECT);
  });

  test('refuses a returnTo outside the realm and a short secret', () => {
    assert.throws(
      () =>
        new RelyingParty({
          realm: 'https://rp.example/',
          returnTo: 'https://evil.example/r',
          secret: SECRET,
        }),
      { code: 'invalid_option', message: /is not within realm/ },
    );
    assert.throws(
      () => new RelyingParty({ realm: 'https://rp.example/', returnTo: RETURN, secret: 'short' }),
      { code: 'invalid_option', message: /at least 32 bytes/ },
    );
  });
});

describe('RelyingParty.complete', () => {
  test('accepts a valid assertion signed with the shared association', async () => {
    const { rp, op } = setup();
    const { auth, url } = await login(rp, op);
    const r = await rp.complete(url, { state: auth.state });
    assert.equal(r.status, 'success', JSON.stringify(r));
    if (r.status !== 'success') return;
    assert.equal(r.claimedId, 'https://alice.example/');
    assert.equal(r.verifiedBy, 'association');
    assert.ok(r.signedFields.includes('claimed_id'));
    assert.equal(r.getSigned(OPENID_NS, 'op_endpoint'), OP);
    assert.deepEqual(op.log, ['associate']);
  });

  test('stateless: verifies with check_authentication to the discovered endpoint', async () => {
    const { rp, op } = setup({ store: null });
    const { auth, url } = await login(rp, op);
    const r = await rp.complete(url, { state: auth.state });
    assert.equal(r.status, 'success', JSON.stringify(r));
    assert.equal((r as { verifiedBy: string }).verifiedBy, 'check_authentication');
    assert.deepEqual(op.log, ['check_authentication']);
  });

  test('accepts the assertion as a POST body (form post)', async () => {
    const { rp, op } = setup();
    const { auth, assertion } = await login(rp, op);
    const r = await rp.complete(assertion.get(OPENID_NS, 'return_to') as string, {
      state: auth.state,
      body: assertion.toURLSearchParams().toString(),
    });
    assert.equal(r.status, 'success', JSON.stringify(r));
  });

  test('NONCE: the same assertion twice is a replay', async () => {
    const { rp, op } = setup();
    const { auth, url } = await login(rp, op);
    assert.equal((await rp.complete(url, { state: auth.state })).status, 'success');
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'nonce_replay');
  });

  test('NONCE: an old nonce is outside the window', async () => {
    const { rp, op } = setup();
    const { auth, url } = await login(rp, op, undefined, {
      nonce: makeNonce(Math.floor(Date.now() / 1000) - 6 * 3600),
    });
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'nonce_skew');
  });

  test('SIG-01: an edited signed field fails the signature', async () => {
    const { rp, op } = setup();
    const { auth, assertion } = await login(rp, op);
    const tampered = Message.fromPostArgs({
      ...assertion.toPostArgs(),
      'openid.response_nonce': makeNonce(Math.floor(Date.now() / 1000)),
    });
    assert.equal(
      failure(await rp.complete(FakeOP.returnUrl(tampered), { state: auth.state })),
      'bad_signature',
    );
  });

  test('SL-02: op_endpoint not signed is missing_signed_field', async () => {
    const { rp, op } = setup();
    const { auth, url } = await login(rp, op, undefined, {
      signedKeys: ['claimed_id', 'identity', 'return_to', 'response_nonce'],
    });
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'missing_signed_field');
  });

  test('SL-07: stripping openid.ns does not downgrade to OpenID 1 rules', async () => {
    const { rp, op } = setup();
    const { auth, assertion } = await login(rp, op);
    const args = { ...assertion.toPostArgs() };
    delete args['openid.ns'];
    const url = Message.fromPostArgs(args).toURL(RETURN);
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'ns_mismatch');
  });

  test('RT: a return_to for another URL is return_to_mismatch', async () => {
    const { rp, op } = setup();
    const { auth, url } = await login(rp, op);
    const moved = url.replace('https://rp.example/return', 'https://rp.example/other');
    assert.equal(failure(await rp.complete(moved, { state: auth.state })), 'return_to_mismatch');
    const dropped = url.replace('sid=S', 'sid=T');
    assert.equal(failure(await rp.complete(dropped, { state: auth.state })), 'return_to_mismatch');
  });

  test('DISC-V: a claimed id that discovers to another provider is refused', async () => {
    const evil = new FakeOP('https://evil.example/op', {
      pages: {
        'https://alice.example/': identityPage(OP),
        'https://evil.example/id/m': identityPage('https://evil.example/op'),
      },
    });
    const { rp } = setup({ op: evil, fetcher: evil.fetcher });
    const auth = await rp.begin('https://evil.example/id/m');
    // The attacker's provider asserts the victim's identifier.
    const a = evil.assertion(FakeOP.request(auth.redirectUrl), {
      claimedId: 'https://alice.example/',
      identity: 'https://alice.example/',
    });
    assert.equal(
      failure(await rp.complete(FakeOP.returnUrl(a), { state: auth.state })),
      'discovery_mismatch',
    );
  });

  test('SESS: no state is unsolicited_rejected; a tampered state is state_invalid', async () => {
    const { rp, op } = setup();
    const { auth, url } = await login(rp, op);
    assert.equal(failure(await rp.complete(url, {})), 'unsolicited_rejected');
    assert.equal(failure(await rp.complete(url, { state: `${auth.state}x` })), 'state_invalid');
  });

  test('NEG: cancel, setup_needed and error never authenticate', async () => {
    const { rp } = setup();
    const auth = await rp.begin('https://alice.example/', { immediate: true });
    const reply = (fields: Record<string, string>) =>
      Message.fromPostArgs({ 'openid.ns': 'http://specs.openid.net/auth/2.0', ...fields }).toURL(RETURN);
    assert.deepEqual(await rp.complete(reply({ 'openid.mode': 'cancel' }), { state: auth.state }), {
      status: 'cancel',
    });
    assert.deepEqual(await rp.complete(reply({ 'openid.mode': 'setup_needed' }), { state: auth.state }), {
      status: 'setup_needed',
      setupUrl: null,
    });
    assert.equal(
      failure(
        await rp.complete(reply({ 'openid.mode': 'error', 'openid.error': '<b>x</b>' }), {
          state: auth.state,
        }),
      ),
      'op_error',
    );
  });

  test('a store that is down fails the login at the nonce check, never skipping it', async () => {
    const store = new TestStore();
    const { rp, op } = setup({ store });
    const { auth, url } = await login(rp, op);
    store.nonceDown = true;
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'store_unavailable');
    // Fully down: no association can be read, so the login falls back to check_authentication,
    // which the provider refuses for a shared handle; still a failure, never a success.
    store.down = true;
    assert.equal((await rp.complete(url, { state: auth.state })).status, 'failure');
  });

  test('hostile query shapes are malformed_message, not a crash', async () => {
    const { rp } = setup();
    const auth = await rp.begin('https://alice.example/');
    for (const q of [
      'openid.mode=id_res&openid.mode=id_res',
      'openid.mode=id_res%00',
      'openid.ns=http://evil/',
    ]) {
      const r = await rp.complete(`${RETURN}&${q}`, { state: auth.state });
      assert.equal(r.status, 'failure', q);
    }
    assert.equal(failure(await rp.complete('not a url')), 'malformed_message');
  });
});

describe('RelyingParty with OpenID 1.1 providers', () => {
  const op1 = () =>
    new FakeOP(OP, {
      pages: {
        'https://bob.example/': identityPage(OP, { version: '1.1', localId: 'https://op.example/id/bob' }),
      },
    });

  test('logs in with the delegate as identity and the RP nonce in return_to', async () => {
    const op = op1();
    const { rp } = setup({ op });
    const auth = await rp.begin('https://bob.example/');
    const req = FakeOP.request(auth.redirectUrl);
    assert.equal(req.isOpenID1(), true);
    assert.equal(req.get(OPENID_NS, 'identity'), 'https://op.example/id/bob');
    assert.equal(req.get(OPENID_NS, 'trust_root'), 'https://rp.example/');
    assert.match(req.get(OPENID_NS, 'return_to') ?? '', /openid2\.rp_nonce=/);
    const url = FakeOP.returnUrl(op.assertion(req));
    const r = await rp.complete(url, { state: auth.state });
    assert.equal(r.status, 'success', JSON.stringify(r));
    assert.equal((r as { claimedId: string }).claimedId, 'https://bob.example/');
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'nonce_replay');
  });

  test('an OpenID 1 response naming another identity is discovery_mismatch', async () => {
    const op = op1();
    const { rp } = setup({ op });
    const auth = await rp.begin('https://bob.example/');
    const url = FakeOP.returnUrl(
      op.assertion(FakeOP.request(auth.redirectUrl), { identity: 'https://op.example/id/alice' }),
    );
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'discovery_mismatch');
  });

  test('OpenID 1 id_res with user_setup_url is setup_needed', async () => {
    const { rp } = setup({ op: op1() });
    const auth = await rp.begin('https://bob.example/', { immediate: true });
    const url = Message.fromPostArgs({
      'openid.mode': 'id_res',
      'openid.user_setup_url': 'https://op.example/setup',
    }).toURL(RETURN);
    assert.deepEqual(await rp.complete(url, { state: auth.state }), {
      status: 'setup_needed',
      setupUrl: 'https://op.example/setup',
    });
  });
});
