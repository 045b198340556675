/**
 * Security cases IS-01 … IS-06 (docs/security-cases.md §5): identifier
 * select, OP identifiers and unsolicited assertions. IS-07 (a fixed-OP,
 * Steam-like allowlist) is with the Steam/adapters work.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { IDENTIFIER_SELECT } from '../../src/protocol/constants.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { identityPage, OP, TestStore } from '../helpers/fake-op.js';
import {
  type AttackerOp,
  attackerOp,
  edit,
  FakeOP,
  failure,
  fakeLogin,
  fieldsOf,
  honestOp,
  loginAt,
  makeRp,
  type ProviderServer,
  page2,
  RETURN,
  success,
} from './world.js';

let honest: ProviderServer;
let evil: AttackerOp;
before(async () => {
  honest = await honestOp();
  evil = await attackerOp();
});
after(async () => {
  await honest.close();
  await evil.close();
});
afterEach(() => {
  honest.decision = 'allow';
});

const opId = () => `${honest.base}/`;

describe('IS: identifier select, OP identifiers, unsolicited assertions', () => {
  test('IS-01 accepts an identifier chosen at the OP when its discovery names that OP, keyed on that identifier', async () => {
    const u = evil.page('/u1', page2(honest.endpoint));
    honest.decision = (req) => req.answer(true, { identity: u });
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, opId());
    assert.equal(fieldsOf(url)['openid.claimed_id'], u);
    assert.equal(success(await rp.complete(url, { state: auth.state })), u);
  });

  test('IS-02 refuses an identifier chosen at the OP whose discovery names another OP (discovery_mismatch)', async () => {
    const u = evil.page('/u2', page2(evil.endpoint));
    honest.decision = (req) => req.answer(true, { identity: u });
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, opId());
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'discovery_mismatch');
  });

  test('IS-03 refuses the identifier_select URI itself as claimed_id or identity (discovery_mismatch)', async () => {
    const alice = 'https://op.example/id/alice';
    const op = new FakeOP(OP, { pages: { [alice]: identityPage(OP) } });
    const rp = makeRp({ fetcher: op.fetcher, store: new TestStore() });
    for (const keys of [['claimed_id', 'identity'], ['claimed_id'], ['identity']]) {
      const { auth, url } = await fakeLogin(rp, op, alice, {
        edit: (m) => {
          for (const k of keys) m.set(OPENID_NS, k, IDENTIFIER_SELECT);
        },
      });
      assert.equal(failure(await rp.complete(url, { state: auth.state })), 'discovery_mismatch', keys.join());
    }
  });

  test("IS-04 compares identity with the local id discovered for the response's claimed id, not the request's", async () => {
    const alice = `${honest.base}/id/alice`;
    const d = evil.page('/d', page2(honest.endpoint, alice));
    const rp = makeRp();
    honest.decision = (req) => req.answer(true, { claimedId: d, identity: `${honest.base}/id/bob` });
    const wrong = await loginAt(rp, opId());
    assert.equal(failure(await rp.complete(wrong.url, { state: wrong.auth.state })), 'discovery_mismatch');
    honest.decision = (req) => req.answer(true, { claimedId: d, identity: alice });
    const right = await loginAt(rp, opId());
    assert.equal(success(await rp.complete(right.url, { state: right.auth.state })), d);
  });

  test('IS-05 logs no one in from an assertion about no identifier in a non-anonymous login (missing_field)', async () => {
    const alice = 'https://op.example/id/alice';
    const op = new FakeOP(OP, { pages: { [alice]: identityPage(OP) } });
    const rp = makeRp({ fetcher: op.fetcher, store: new TestStore() });
    const { auth, url } = await fakeLogin(rp, op, alice, {
      edit: (m) => {
        m.delete(OPENID_NS, 'claimed_id');
        m.delete(OPENID_NS, 'identity');
      },
    });
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'missing_field');
  });

  test('IS-06 rejects unsolicited assertions by default; when allowed, every check still applies', async () => {
    const alice = `${honest.base}/id/alice`;
    const strict = makeRp();
    const genuine = await loginAt(strict, alice);
    assert.equal(failure(await strict.complete(genuine.url, {})), 'unsolicited_rejected');

    const open = makeRp({ allowUnsolicited: true });
    const mine = await loginAt(open, alice);
    assert.equal(success(await open.complete(mine.url, {})), alice);
    // Tampered: signature; foreign OP: discovery; wrong place: return_to.
    const again = await loginAt(open, alice);
    const tampered = edit(again.url, (f) => {
      f['openid.claimed_id'] = `${honest.base}/id/bob`;
      f['openid.identity'] = `${honest.base}/id/bob`;
    });
    assert.equal(failure(await open.complete(tampered, {})), 'bad_signature');
    const request = Message.create('2.0')
      .set(OPENID_NS, 'claimed_id', alice)
      .set(OPENID_NS, 'identity', alice)
      .set(OPENID_NS, 'return_to', RETURN);
    assert.equal(
      failure(await open.complete(FakeOP.returnUrl(evil.op.assertion(request)), {})),
      'discovery_mismatch',
    );
    const elsewhere = Message.create('2.0')
      .set(OPENID_NS, 'claimed_id', alice)
      .set(OPENID_NS, 'identity', alice)
      .set(OPENID_NS, 'return_to', 'https://evil.example/openid/return?sid=S');
    const moved = FakeOP.returnUrl(evil.op.assertion(elsewhere));
    assert.equal(failure(await open.complete(moved, {})), 'return_to_mismatch');
  });
});
