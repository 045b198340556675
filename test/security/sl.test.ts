/**
 * Security cases SL-01 … SL-08 (docs/security-cases.md §2): the relying
 * party insists that the signature covers what spec §10.1 requires, whatever
 * a provider (or an attacker re-using a genuine signature) leaves unsigned.
 * SL-09 (the provider signs everything it emits) is in test/op/provider.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import {
  type AttackerOp,
  attackerOp,
  edit,
  failure,
  fakeLogin,
  honestOp,
  loginAt,
  makeRp,
  type ProviderServer,
  page2,
  signExactly,
} from './world.js';

let honest: ProviderServer;
let fake: AttackerOp;
let alice: string;
before(async () => {
  honest = await honestOp();
  fake = await attackerOp();
  alice = fake.page('/id/alice', page2(fake.endpoint));
});
after(async () => {
  await honest.close();
  await fake.close();
});

const ALL_BUT = (...drop: string[]) =>
  ['op_endpoint', 'claimed_id', 'identity', 'return_to', 'response_nonce', 'assoc_handle'].filter(
    (k) => !drop.includes(k),
  );

describe('SL: the signed list must cover what §10.1 requires', () => {
  test('SL-01 rejects unsigned claimed_id/identity appended to a genuine identifier-less assertion (missing_signed_field)', async () => {
    for (const store of [undefined, null]) {
      const rp = makeRp(store === null ? { store: null } : {});
      const { auth, url } = await loginAt(rp, `${honest.base}/id/alice`, { anonymous: true });
      assert.equal(
        new URL(url).searchParams.has('openid.claimed_id'),
        false,
        'the provider asserted no identifier',
      );
      const victim = `${honest.base}/id/victim`;
      const forged = `${url}&openid.claimed_id=${encodeURIComponent(victim)}&openid.identity=${encodeURIComponent(victim)}`;
      assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'missing_signed_field');
    }
  });

  /** A 2.0 assertion signed over everything required but `key`: refused whether an association or the OP checks it. */
  const unsignedField = (key: string) => async () => {
    for (const store of [undefined, null]) {
      const rp = makeRp(store === null ? { store: null } : {});
      const genuine = await fakeLogin(rp, fake.op, alice);
      const url = signExactly(fake.op, genuine.url, ALL_BUT(key));
      assert.ok(new URL(url).searchParams.has(`openid.${key}`));
      assert.equal(failure(await rp.complete(url, { state: genuine.auth.state })), 'missing_signed_field');
    }
  };
  test(
    'SL-02 rejects a 2.0 assertion whose op_endpoint is not signed (missing_signed_field)',
    unsignedField('op_endpoint'),
  );
  test(
    'SL-03 rejects a 2.0 assertion whose return_to is not signed (missing_signed_field)',
    unsignedField('return_to'),
  );
  test(
    'SL-04 rejects a 2.0 assertion whose response_nonce is not signed (missing_signed_field)',
    unsignedField('response_nonce'),
  );
  test(
    'SL-05 rejects a 2.0 assertion whose assoc_handle is not signed (missing_signed_field)',
    unsignedField('assoc_handle'),
  );

  test('SL-06 rejects identity without claimed_id, and claimed_id without identity (missing_field)', async () => {
    const rp = makeRp();
    for (const drop of ['claimed_id', 'identity']) {
      const { auth, url } = await fakeLogin(rp, fake.op, alice, {
        edit: (m) => {
          m.delete(OPENID_NS, drop);
        },
      });
      assert.equal(new URL(url).searchParams.has(`openid.${drop}`), false);
      assert.equal(failure(await rp.complete(url, { state: auth.state })), 'missing_field', drop);
    }
  });

  test('SL-07 rejects a genuine 2.0 assertion with openid.ns stripped (ns_mismatch), never applying OpenID 1 rules', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, `${honest.base}/id/alice`);
    const stripped = edit(url, (f) => {
      delete f['openid.ns'];
    });
    assert.equal(failure(await rp.complete(stripped, { state: auth.state })), 'ns_mismatch');
  });

  test('SL-08 rejects an OpenID 1.1 answer that signs identity but not return_to (missing_signed_field)', async () => {
    const bob = fake.page(
      '/id/bob1',
      `<html><head><link rel="openid.server" href="${fake.endpoint}"></head></html>`,
    );
    const rp = makeRp();
    const genuine = await fakeLogin(rp, fake.op, bob);
    const { auth, request } = genuine;
    const url = signExactly(fake.op, genuine.url, ['identity']);
    assert.equal(request.isOpenID1(), true);
    assert.equal(Message.fromQuery(url).get(OPENID_NS, 'signed'), 'identity');
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'missing_signed_field');
  });
});
