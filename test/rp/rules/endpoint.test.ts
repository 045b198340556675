/** Spec §11.2, which endpoint may vouch (src/rp/rules/endpoint.ts), with discovery counted. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServiceEndpoint } from '../../../src/discovery/endpoints.js';
import { DiscoveryError } from '../../../src/protocol/errors.js';
import { verifiedEndpoint } from '../../../src/rp/rules/endpoint.js';
import {
  ALICE,
  endpoint,
  idRes1,
  idRes2,
  loginState,
  msg,
  opIdentifier,
  outcome,
  SELECT,
} from './fixtures.js';

/** A discovery that returns `found` and records what it was asked. */
function discovery(found: readonly ServiceEndpoint[] = []) {
  const asked: string[] = [];
  const fn = async (id: string) => {
    asked.push(id);
    return found;
  };
  return { asked, fn };
}

describe('verifiedEndpoint: OpenID 1', () => {
  const ep1 = endpoint({ version: '1.1' });
  test('the login’s endpoint, when identity matches', async () => {
    const d = discovery();
    assert.deepEqual(await verifiedEndpoint(msg(idRes1()), loginState({}, ep1), d.fn), {
      ok: true,
      value: ep1,
    });
    assert.equal(d.asked.length, 0);
  });
  test('identity of someone else: discovery_mismatch', async () => {
    const v = await verifiedEndpoint(
      msg(idRes1({ identity: 'https://bob.example/' })),
      loginState({}, ep1),
      discovery().fn,
    );
    assert.equal(outcome(v), 'discovery_mismatch');
  });
  test('no login state: unsolicited_rejected', async () => {
    assert.equal(
      outcome(await verifiedEndpoint(msg(idRes1()), null, discovery().fn)),
      'unsolicited_rejected',
    );
  });
});

describe('verifiedEndpoint: OpenID 2.0', () => {
  test('the claimed id begin() discovered: its endpoint, no fetch', async () => {
    const d = discovery();
    const state = loginState();
    assert.deepEqual(await verifiedEndpoint(msg(idRes2()), state, d.fn), { ok: true, value: state.endpoint });
    assert.equal(d.asked.length, 0);
  });
  test('the discovered claimed id with a fragment: still no fetch', async () => {
    const d = discovery();
    assert.equal(
      outcome(await verifiedEndpoint(msg(idRes2({ claimed_id: `${ALICE}#1` })), loginState(), d.fn)),
      'ok',
    );
    assert.equal(d.asked.length, 0);
  });
  test('identifier_select: the chosen claimed id is discovered (fragment stripped)', async () => {
    const found = endpoint();
    const d = discovery([found]);
    const v = await verifiedEndpoint(
      msg(idRes2({ claimed_id: `${ALICE}#1` })),
      loginState({}, opIdentifier()),
      d.fn,
    );
    assert.deepEqual(v, { ok: true, value: found });
    assert.deepEqual(d.asked, [ALICE]);
  });
  test('unsolicited: the claimed id is discovered', async () => {
    const d = discovery([endpoint()]);
    assert.equal(outcome(await verifiedEndpoint(msg(idRes2()), null, d.fn)), 'ok');
    assert.deepEqual(d.asked, [ALICE]);
  });
  test('a changed delegation: discovered again, and the new endpoint must agree', async () => {
    const moved = endpoint({ opEndpoint: 'https://op2.example/server' });
    const d = discovery([moved]);
    const v = await verifiedEndpoint(
      msg(idRes2({ op_endpoint: 'https://op2.example/server' })),
      loginState(),
      d.fn,
    );
    assert.deepEqual(v, { ok: true, value: moved });
  });
  test('the first discovered endpoint that agrees is taken', async () => {
    const other = endpoint({ opEndpoint: 'https://other.example/' });
    const right = endpoint();
    assert.deepEqual(await verifiedEndpoint(msg(idRes2()), null, discovery([other, right]).fn), {
      ok: true,
      value: right,
    });
  });
  test('no discovered endpoint agrees: the last endpoint’s reason', async () => {
    const d = discovery([endpoint({ opEndpoint: 'https://x.example/' }), opIdentifier()]);
    assert.equal(outcome(await verifiedEndpoint(msg(idRes2()), null, d.fn)), 'op_identifier_as_claimed_id');
  });
  test('nothing discovered: discovery_mismatch', async () => {
    assert.deepEqual(await verifiedEndpoint(msg(idRes2()), null, discovery([]).fn), {
      ok: false,
      code: 'discovery_mismatch',
      message: 'no discovered endpoint matches',
    });
  });
  test('discovery fails: discovery_failed', async () => {
    const failing = async () => {
      throw new DiscoveryError('discovery_no_endpoint', 'nothing there', ALICE);
    };
    const v = await verifiedEndpoint(msg(idRes2()), null, failing);
    assert.equal(outcome(v), 'discovery_failed');
    assert.match(v.ok ? '' : v.message, /^discovery of the claimed id failed: /);
  });
  test('an error that is not the library’s propagates (the fail-closed wrapper answers it)', async () => {
    const broken = async () => {
      throw new TypeError('bug');
    };
    await assert.rejects(verifiedEndpoint(msg(idRes2()), null, broken), {
      name: 'TypeError',
      message: 'bug',
    });
  });
  test('claimed_id still identifier_select: discovery_mismatch', async () => {
    const v = await verifiedEndpoint(msg(idRes2({ claimed_id: SELECT })), loginState(), discovery().fn);
    assert.equal(outcome(v), 'discovery_mismatch');
  });
  test('identity still identifier_select: discovery_mismatch', async () => {
    const v = await verifiedEndpoint(msg(idRes2({ identity: SELECT })), loginState(), discovery().fn);
    assert.deepEqual(v, {
      ok: false,
      code: 'discovery_mismatch',
      message: 'the provider did not choose an identifier',
    });
  });
  test('no claimed_id, anonymous login: its endpoint', async () => {
    const state = loginState({ anonymous: true }, opIdentifier());
    const v = await verifiedEndpoint(msg(idRes2({}, ['claimed_id', 'identity'])), state, discovery().fn);
    assert.deepEqual(v, { ok: true, value: state.endpoint });
  });
  test('no claimed_id, anonymous login, another op_endpoint: discovery_mismatch', async () => {
    const state = loginState({ anonymous: true }, opIdentifier());
    const m = msg(idRes2({ op_endpoint: 'https://evil.example/' }, ['claimed_id', 'identity']));
    assert.equal(outcome(await verifiedEndpoint(m, state, discovery().fn)), 'discovery_mismatch');
  });
  test('no claimed_id, a login that asked for one: missing_field', async () => {
    const v = await verifiedEndpoint(
      msg(idRes2({}, ['claimed_id', 'identity'])),
      loginState(),
      discovery().fn,
    );
    assert.equal(outcome(v), 'missing_field');
  });
  test('no claimed_id, no state: missing_field', async () => {
    const v = await verifiedEndpoint(msg(idRes2({}, ['claimed_id', 'identity'])), null, discovery().fn);
    assert.equal(outcome(v), 'missing_field');
  });
});
