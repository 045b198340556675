/**
 * python-openid's CheckIDRequest conveniences on the provider side
 * (issue 24): encodeToURL, getCancelURL, an OpenID 1 immediate `answer(false)`
 * that builds its own setup URL, and `answer()` with an op_endpoint override.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Provider } from '../../src/op/provider.js';
import type { CheckIDRequest } from '../../src/op/requests.js';
import { OPENID2_NS } from '../../src/protocol/constants.js';
import { OPENID_NS } from '../../src/protocol/message.js';
import { MemoryStore } from '../../src/stores/memory.js';

const EP = 'https://op.example/openid';
const RT = 'https://rp.example/return?sid=1';
const ALICE = 'https://op.example/id/alice';

function decode(fields: Record<string, string>, options: { setupUrl?: string } = {}): CheckIDRequest {
  const op = new Provider({ endpoint: EP, store: new MemoryStore(), ...options });
  const r = op.decodeRequest(fields);
  assert.ok(r && (r.mode === 'checkid_setup' || r.mode === 'checkid_immediate'));
  return r;
}

const v2 = (mode = 'checkid_setup') => ({
  'openid.ns': OPENID2_NS,
  'openid.mode': mode,
  'openid.claimed_id': ALICE,
  'openid.identity': ALICE,
  'openid.return_to': RT,
  'openid.realm': 'https://rp.example/',
});
const v1 = (mode = 'checkid_immediate') => ({
  'openid.mode': mode,
  'openid.identity': ALICE,
  'openid.return_to': RT,
  'openid.trust_root': 'https://rp.example/',
});

describe('CheckIDRequest.encodeToURL / getCancelURL', () => {
  test('encodeToURL: the request intact at the provider endpoint, or at the given server URL', () => {
    const r = decode(v2());
    const at = new URL(r.encodeToURL());
    assert.equal(`${at.origin}${at.pathname}`, EP);
    assert.equal(at.searchParams.get('openid.return_to'), RT);
    assert.equal(at.searchParams.get('openid.mode'), 'checkid_setup');
    const other = new URL(r.encodeToURL('https://op2.example/server'));
    assert.equal(other.host, 'op2.example');
    assert.equal(other.searchParams.get('openid.identity'), ALICE);
  });

  test('getCancelURL: return_to with openid.mode=cancel, its own query kept', () => {
    const u = new URL(decode(v2()).getCancelURL());
    assert.equal(`${u.origin}${u.pathname}`, 'https://rp.example/return');
    assert.equal(u.searchParams.get('sid'), '1');
    assert.equal(u.searchParams.get('openid.mode'), 'cancel');
    assert.equal(u.searchParams.get('openid.ns'), OPENID2_NS);
  });

  test('getCancelURL refuses an immediate request (it is answered setup_needed)', () => {
    assert.throws(() => decode(v2('checkid_immediate')).getCancelURL(), { code: 'invalid_request' });
  });

  test('getCancelURL of an OpenID 1 request carries no openid.ns', () => {
    const u = new URL(decode(v1('checkid_setup')).getCancelURL());
    assert.equal(u.searchParams.get('openid.mode'), 'cancel');
    assert.equal(u.searchParams.has('openid.ns'), false);
  });
});

describe('OpenID 1 immediate answer(false)', () => {
  test('builds user_setup_url itself: this request as checkid_setup at the endpoint', () => {
    const r = decode(v1());
    const answer = r.answer(false);
    const setup = answer.fields.get(OPENID_NS, 'user_setup_url');
    assert.ok(setup);
    const u = new URL(setup);
    assert.equal(`${u.origin}${u.pathname}`, EP);
    assert.equal(u.searchParams.get('openid.mode'), 'checkid_setup');
    assert.equal(u.searchParams.get('openid.identity'), ALICE);
    assert.equal(u.searchParams.get('openid.return_to'), RT);
    assert.equal(answer.fields.get(OPENID_NS, 'mode'), 'id_res');
  });

  test("the Provider's setupUrl, or the answer's, still wins", () => {
    assert.equal(
      decode(v1(), { setupUrl: 'https://op.example/login' })
        .answer(false)
        .fields.get(OPENID_NS, 'user_setup_url'),
      'https://op.example/login',
    );
    assert.equal(
      decode(v1())
        .answer(false, { setupUrl: 'https://op.example/x' })
        .fields.get(OPENID_NS, 'user_setup_url'),
      'https://op.example/x',
    );
  });
});

describe('answer() with an op_endpoint override (python server_url)', () => {
  test('the positive assertion names the given endpoint', () => {
    const a = decode(v2()).answer(true, { opEndpoint: 'https://login.op.example/openid' });
    assert.equal(a.fields.get(OPENID_NS, 'op_endpoint'), 'https://login.op.example/openid');
  });
  test('default: the Provider endpoint', () => {
    assert.equal(decode(v2()).answer(true).fields.get(OPENID_NS, 'op_endpoint'), EP);
  });
  test('not an absolute http(s) URL: invalid_option', () => {
    assert.throws(() => decode(v2()).answer(true, { opEndpoint: 'javascript:alert(1)' }), {
      code: 'invalid_option',
    });
  });
});
