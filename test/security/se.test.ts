/**
 * Security cases SE-01, SE-02, SE-05, SE-07 (docs/security-cases.md §20):
 * an answer completes only the login this browser started. begin() puts a
 * fresh nonce in return_to and in the state token; complete() refuses an
 * answer whose return_to carries another. SE-03 is not applicable (see
 * not-applicable.ts); SE-04 and SE-06 are with the adapters work.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MemoryStore } from '../../src/stores/memory.js';
import { browse } from '../helpers/op-server.js';
import { failure, honestOp, loginAt, makeRp, type ProviderServer, REALM, RETURN, success } from './world.js';

let honest: ProviderServer;
before(async () => {
  honest = await honestOp();
});
after(() => honest.close());

describe('SE: answers are bound to the browser that started the login', () => {
  test("SE-01 refuses the attacker's own valid answer loaded in the victim's browser (session_binding_failed)", async () => {
    const rp = makeRp();
    // The attacker logs in as mallory up to the provider's answer, and keeps it.
    const mallory = await loginAt(rp, `${honest.base}/id/mallory`);
    // The victim's browser started its own login (its cookie holds that state)...
    const victim = await rp.begin(`${honest.base}/id/victim`);
    // ...and is made to load the attacker's answer.
    const r = await rp.complete(mallory.url, { state: victim.state });
    assert.equal(failure(r), 'session_binding_failed');
    // The attacker's answer is genuine: in the attacker's own browser it works.
    assert.equal(
      success(await rp.complete(mallory.url, { state: mallory.auth.state })),
      `${honest.base}/id/mallory`,
    );
  });

  test('SE-01 also holds for a state token a victim got for the same identifier', async () => {
    const rp = makeRp();
    const id = `${honest.base}/id/shared`;
    const attacker = await loginAt(rp, id);
    const victim = await rp.begin(id);
    assert.equal(failure(await rp.complete(attacker.url, { state: victim.state })), 'session_binding_failed');
  });

  test('SE-01 refuses an answer the attacker obtained by asking the provider directly, without the nonce', async () => {
    const rp = makeRp();
    const mallory = `${honest.base}/id/mallory`;
    // A checkid_setup the attacker wrote by hand: this RP's return_to and realm, no per-login nonce.
    const direct = new URL(honest.endpoint);
    for (const [k, v] of Object.entries({
      'openid.ns': 'http://specs.openid.net/auth/2.0',
      'openid.mode': 'checkid_setup',
      'openid.claimed_id': mallory,
      'openid.identity': mallory,
      'openid.return_to': RETURN,
      'openid.realm': REALM,
    }))
      direct.searchParams.set(k, v);
    const { url } = await browse(direct.toString());
    const victim = await rp.begin(`${honest.base}/id/victim`);
    assert.equal(failure(await rp.complete(url, { state: victim.state })), 'session_binding_failed');
  });

  test('SE-02 an answer with no state at all is unsolicited_rejected by default', async () => {
    const rp = makeRp();
    const { url } = await loginAt(rp, `${honest.base}/id/mallory`);
    assert.equal(failure(await rp.complete(url, {})), 'unsolicited_rejected');
    assert.equal(failure(await rp.complete(url, { state: '' })), 'unsolicited_rejected');
  });

  test('SE-05 an immediate-mode answer from a hidden frame still needs the binding', async () => {
    const rp = makeRp();
    const silent = await loginAt(rp, `${honest.base}/id/mallory`, { immediate: true });
    const victim = await rp.begin(`${honest.base}/id/victim`, { immediate: true });
    assert.equal(failure(await rp.complete(silent.url, { state: victim.state })), 'session_binding_failed');
  });

  test("SE-07 two browsers' logins cannot cross-complete; each completes its own", async () => {
    const store = new MemoryStore();
    const rp = makeRp({ store });
    const a = await loginAt(rp, `${honest.base}/id/alice`);
    const b = await loginAt(rp, `${honest.base}/id/bob`);
    assert.equal(failure(await rp.complete(a.url, { state: b.auth.state })), 'session_binding_failed');
    assert.equal(failure(await rp.complete(b.url, { state: a.auth.state })), 'session_binding_failed');
    assert.equal(success(await rp.complete(a.url, { state: a.auth.state })), `${honest.base}/id/alice`);
    assert.equal(success(await rp.complete(b.url, { state: b.auth.state })), `${honest.base}/id/bob`);
    // Another instance with the same secret and store holds no map of logins: the state token alone decides.
    const other = makeRp({ store });
    const c = await loginAt(rp, `${honest.base}/id/carol`);
    assert.equal(success(await other.complete(c.url, { state: c.auth.state })), `${honest.base}/id/carol`);
  });
});
