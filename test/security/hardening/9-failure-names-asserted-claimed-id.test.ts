/**
 * Issue 18, item 9: a failure's claimed id is unverified input, and its name
 * says so (`assertedClaimedId`), so no app logs or looks up an account by it
 * thinking it is the user.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RelyingParty } from '../../../src/rp/relying-party.js';
import type { FailureResult } from '../../../src/rp/result.js';
import { FakeOP, TestStore } from '../../helpers/fake-op.js';

async function forgedLogin(edit: (url: URL) => void) {
  const op = new FakeOP();
  const rp = new RelyingParty({
    realm: 'https://rp.example/',
    returnTo: 'https://rp.example/return',
    secret: 'x'.repeat(40),
    fetcher: op.fetcher,
    store: new TestStore(),
  });
  const auth = await rp.begin('https://alice.example/');
  const url = new URL(FakeOP.returnUrl(op.assertion(FakeOP.request(auth.redirectUrl))));
  edit(url);
  return rp.complete(url.toString(), { state: auth.state });
}

describe('issue 18 item 9: FailureResult.assertedClaimedId', () => {
  test('a forged signature fails with the asserted claimed id under assertedClaimedId, never claimedId', async () => {
    const r = await forgedLogin((u) => u.searchParams.set('openid.sig', 'AAAA'));
    assert.equal(r.status, 'failure');
    const f = r as FailureResult;
    assert.equal(f.assertedClaimedId, 'https://alice.example/');
    assert.equal('claimedId' in f, false);
  });

  test('a claimed id swapped by an attacker shows up only as assertedClaimedId', async () => {
    const r = await forgedLogin((u) => u.searchParams.set('openid.claimed_id', 'https://victim.example/'));
    assert.equal(r.status, 'failure');
    assert.equal((r as FailureResult).assertedClaimedId, 'https://victim.example/');
    assert.equal('claimedId' in r, false);
  });

  test('a discovery mismatch failure carries assertedClaimedId, not claimedId', async () => {
    const r = await forgedLogin((u) => {
      u.searchParams.set('openid.claimed_id', 'https://bob.example/');
      u.searchParams.set('openid.identity', 'https://bob.example/');
    });
    assert.equal(r.status, 'failure');
    assert.equal('claimedId' in r, false);
    assert.equal((r as FailureResult).assertedClaimedId, 'https://bob.example/');
  });
});
