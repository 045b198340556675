/**
 * The checkid request's answers and return_to verification as an app
 * calls them: `allow()`, `deny()`, the deprecated `answer()` alias, and
 * `verifyReturnTo()` with its reasons; plus the order of the pipelines'
 * rules where two could refuse one request.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Fetcher } from '../../src/discovery/fetcher.js';
import { Provider } from '../../src/op/provider.js';
import { CheckIDRequest } from '../../src/op/requests.js';
import type { Association } from '../../src/protocol/association.js';
import { NoReturnToError, OpenIDError, ProtocolError } from '../../src/protocol/errors.js';
import { OPENID_NS } from '../../src/protocol/message.js';
import { MemoryStore } from '../../src/stores/memory.js';

const EP = 'https://op.example/openid';
const V2 = 'http://specs.openid.net/auth/2.0';
const V1 = 'http://openid.net/signon/1.1';
const ALICE = 'https://op.example/id/alice';
const RT = 'https://rp.example/return';
const SELECT = 'http://specs.openid.net/auth/2.0/identifier_select';

const XRDS = `<?xml version="1.0"?><xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service><Type>http://specs.openid.net/auth/2.0/return_to</Type><URI>${RT}</URI></Service></XRD></xrds:XRDS>`;
/** Serves the realm's XRDS, or HTML without one when `withXrds` is false. */
const realmServer =
  (withXrds: boolean): Fetcher =>
  async (url) => {
    const body = withXrds ? XRDS : '<html><head></head></html>';
    return {
      url,
      status: 200,
      headers: new Headers({ 'content-type': withXrds ? 'application/xrds+xml' : 'text/html' }),
      body: new TextEncoder().encode(body),
      text: () => body,
    };
  };

function op(fetcher: Fetcher = realmServer(true), store = new MemoryStore()): Provider {
  return new Provider({ endpoint: EP, store, fetcher, now: () => 1_800_000_000 });
}

/** A 2.0 checkid_setup request for Alice, with `fields` changed; a field set to null is left out. */
function checkid(fields: Record<string, string | null> = {}, provider = op()): CheckIDRequest {
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries({
    'openid.ns': V2,
    'openid.mode': 'checkid_setup',
    'openid.claimed_id': ALICE,
    'openid.identity': ALICE,
    'openid.return_to': RT,
    'openid.realm': 'https://rp.example/',
    ...fields,
  }))
    if (v !== null) params[k] = v;
  const request = provider.decodeRequest(params);
  assert.ok(request instanceof CheckIDRequest);
  return request;
}

/** The answer's fields, response_nonce left out (it is fresh each time). */
function fieldsOf(response: { fields: { toPostArgs(): Record<string, string> } }): Record<string, string> {
  const { 'openid.response_nonce': _nonce, ...rest } = response.fields.toPostArgs();
  return rest;
}

describe('allow()', () => {
  test('asserts the requested identifier, to be signed when encoded', () => {
    const response = checkid().allow();
    assert.deepEqual(fieldsOf(response), {
      'openid.ns': V2,
      'openid.mode': 'id_res',
      'openid.op_endpoint': EP,
      'openid.claimed_id': ALICE,
      'openid.identity': ALICE,
      'openid.return_to': RT,
    });
    assert.match(response.fields.get(OPENID_NS, 'response_nonce') ?? '', /^2027-01-15T08:00:00Z/);
    assert.equal(response.needsSigning, true);
    assert.equal(response.returnTo, RT);
  });
  test('answers identifier_select with the identity the app names', () => {
    const response = checkid({ 'openid.claimed_id': SELECT, 'openid.identity': SELECT }).allow({
      identity: ALICE,
    });
    assert.equal(response.fields.get(OPENID_NS, 'identity'), ALICE);
    assert.equal(response.fields.get(OPENID_NS, 'claimed_id'), ALICE);
  });
  test('refuses identifier_select without an identity (invalid_request)', () => {
    const request = checkid({ 'openid.claimed_id': SELECT, 'openid.identity': SELECT });
    assert.throws(() => request.allow(), { name: 'ProtocolError', code: 'invalid_request' });
  });
  test("refuses another user's identity, with a public message and return_to to answer to", () => {
    assert.throws(
      () => checkid().allow({ identity: 'https://op.example/id/bob' }),
      (e: unknown) =>
        e instanceof ProtocolError &&
        e.code === 'identity_mismatch' &&
        e.context.publicMessage === 'cannot answer for the requested identity' &&
        e.context.returnTo === RT,
    );
  });
  test('refuses an opEndpoint that is not an absolute http(s) URL (invalid_option)', () => {
    assert.throws(() => checkid().allow({ opEndpoint: 'op.example' }), {
      name: 'OpenIDError',
      code: 'invalid_option',
    });
  });
  test('refuses a realm-only request (NoReturnToError)', () => {
    const request = checkid({ 'openid.return_to': null });
    assert.throws(() => request.allow(), NoReturnToError);
  });
});

describe('deny()', () => {
  test('cancels a setup request', () => {
    assert.deepEqual(fieldsOf(checkid().deny()), { 'openid.ns': V2, 'openid.mode': 'cancel' });
  });
  test('answers an immediate 2.0 request setup_needed', () => {
    const response = checkid({ 'openid.mode': 'checkid_immediate' }).deny();
    assert.deepEqual(fieldsOf(response), { 'openid.ns': V2, 'openid.mode': 'setup_needed' });
    assert.equal(response.needsSigning, false);
  });
  test('answers an immediate 1.1 request id_res with the setup URL the app gives', () => {
    const request = op().decodeRequest({
      'openid.mode': 'checkid_immediate',
      'openid.identity': ALICE,
      'openid.return_to': RT,
    });
    assert.ok(request instanceof CheckIDRequest);
    assert.deepEqual(fieldsOf(request.deny({ setupUrl: 'https://op.example/login' })), {
      'openid.mode': 'id_res',
      'openid.user_setup_url': 'https://op.example/login',
    });
  });
  test('without a setup URL, a 1.1 refusal sends the user to this request as checkid_setup at the endpoint', () => {
    const request = op().decodeRequest({
      'openid.ns': V1,
      'openid.mode': 'checkid_immediate',
      'openid.identity': ALICE,
      'openid.return_to': RT,
    });
    assert.ok(request instanceof CheckIDRequest);
    const url = new URL(request.deny().fields.get(OPENID_NS, 'user_setup_url') ?? '');
    assert.equal(`${url.origin}${url.pathname}`, EP);
    assert.equal(url.searchParams.get('openid.mode'), 'checkid_setup');
    assert.equal(url.searchParams.get('openid.identity'), ALICE);
  });
  test('refuses a realm-only request (NoReturnToError)', () => {
    assert.throws(() => checkid({ 'openid.return_to': null }).deny(), NoReturnToError);
  });
  test('refuses a bad opEndpoint like allow() (invalid_option)', () => {
    assert.throws(
      () => checkid().deny({ opEndpoint: '/x' }),
      (e: unknown) => e instanceof OpenIDError && e.code === 'invalid_option',
    );
  });
});

describe('answer() (deprecated) is allow() / deny()', () => {
  test('answer(true, options) gives what allow(options) gives', () => {
    const request = checkid({ 'openid.claimed_id': SELECT, 'openid.identity': SELECT });
    assert.deepEqual(
      fieldsOf(request.answer(true, { identity: ALICE })),
      fieldsOf(request.allow({ identity: ALICE })),
    );
  });
  test('answer(false) gives what deny() gives, immediate included', () => {
    const request = checkid({ 'openid.mode': 'checkid_immediate' });
    assert.deepEqual(fieldsOf(request.answer(false)), { 'openid.ns': V2, 'openid.mode': 'setup_needed' });
  });
});

describe('verifyReturnTo()', () => {
  test('a realm whose XRDS lists return_to: verified, with the endpoints', async () => {
    const request = checkid();
    assert.deepEqual(await request.verifyReturnTo(), {
      ok: true,
      value: { discoveryUrl: 'https://rp.example/', endpoints: [RT] },
    });
    assert.equal(await request.returnToVerified(), true);
  });
  test('a realm without an XRDS: no_discovery_document, and returnToVerified() false', async () => {
    const request = checkid({}, op(realmServer(false)));
    const v = await request.verifyReturnTo();
    assert.equal(!v.ok && v.code, 'no_discovery_document');
    assert.equal(await request.returnToVerified(), false);
  });
  test('a realm-only request: no_return_to, nothing fetched', async () => {
    let fetched = 0;
    const counting: Fetcher = async (url, init) => {
      fetched += 1;
      return realmServer(true)(url, init);
    };
    const v = await checkid({ 'openid.return_to': null }, op(counting)).verifyReturnTo();
    assert.equal(!v.ok && v.code, 'no_return_to');
    assert.equal(fetched, 0);
  });
});

describe('the pipelines run their rules in the spec order', () => {
  test('an unknown mode is invalid_request', () => {
    assert.throws(() => op().decodeRequest({ 'openid.ns': V2, 'openid.mode': 'id_res' }), {
      name: 'ProtocolError',
      code: 'invalid_request',
      message: 'unknown openid.mode id_res',
    });
  });
  test('a malformed return_to is refused before a missing realm is noticed', () => {
    assert.throws(() => checkid({ 'openid.return_to': 'javascript:alert(1)', 'openid.realm': null }), {
      code: 'return_to_malformed',
    });
  });
  test('a return_to outside the realm is refused before unpaired identifiers, as an error page', () => {
    assert.throws(
      () => checkid({ 'openid.realm': 'https://other.example/', 'openid.claimed_id': null }),
      (e: unknown) =>
        e instanceof ProtocolError && e.code === 'return_to_not_in_realm' && e.context.returnTo === undefined,
    );
  });
  test('unpaired identifiers are answered at return_to, which passed the realm rules', () => {
    assert.throws(
      () => checkid({ 'openid.claimed_id': null }),
      (e: unknown) => e instanceof ProtocolError && e.code === 'invalid_request' && e.context.returnTo === RT,
    );
  });
  test('an unsupported assoc_type is answered unsupported-type with the suggestion', () => {
    assert.throws(
      () =>
        op().decodeRequest({
          'openid.ns': V2,
          'openid.mode': 'associate',
          'openid.assoc_type': 'HMAC-MD5',
          'openid.session_type': 'DH-SHA256',
        }),
      (e: unknown) =>
        e instanceof ProtocolError &&
        e.code === 'unsupported_type' &&
        e.context.errorCode === 'unsupported-type' &&
        e.context.extra?.['assoc_type'] === 'HMAC-SHA256' &&
        e.context.extra?.['session_type'] === 'DH-SHA256',
    );
  });
  test('a refused Diffie-Hellman key is answered 400 and stores no association', async () => {
    const stored: Association[] = [];
    const store = new MemoryStore();
    const storeAssociation = store.storeAssociation.bind(store);
    store.storeAssociation = async (url: string, a: Association) => {
      stored.push(a);
      return storeAssociation(url, a);
    };
    const provider = op(realmServer(true), store);
    const request = provider.decodeRequest({
      'openid.ns': V2,
      'openid.mode': 'associate',
      'openid.assoc_type': 'HMAC-SHA256',
      'openid.session_type': 'DH-SHA256',
      'openid.dh_consumer_public': 'AQ==',
    });
    assert.ok(request !== null && request.mode === 'associate');
    const response = await provider.handleRequest(request);
    assert.equal(response.status, 400);
    assert.deepEqual(
      { ...response.fields.toPostArgs() },
      {
        'openid.ns': V2,
        'openid.mode': 'error',
        'openid.error': 'dh_consumer_public is outside [2, p-2]',
      },
    );
    assert.deepEqual(stored, []);
  });
});
