/**
 * Security cases NO-01 … NO-13 (docs/security-cases.md §7, spec §11.3):
 * an assertion logs in once. The race (NO-03) runs two relying-party
 * processes on one PostgreSQL store. NO-14 (nonce generation) is in
 * test/protocol/nonce.test.ts.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/drivers/open.js';
import { OPENID2_NS } from '../../src/protocol/constants.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { DEFAULT_NONCE_SKEW, makeNonce } from '../../src/protocol/nonce.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { identityPage, OP, TestStore } from '../helpers/fake-op.js';
import { serviceSkip, tempPostgres } from '../helpers/services.js';
import {
  edit,
  FakeOP,
  failure,
  fakeLogin,
  fieldsOf,
  honestOp,
  loginAt,
  makeRp,
  type ProviderServer,
  REALM,
  RETURN,
  SECRET,
  scriptedServer,
  success,
} from './world.js';

let honest: ProviderServer;
before(async () => {
  honest = await honestOp();
});
after(() => honest.close());

const alice = () => `${honest.base}/id/alice`;
const nowS = () => Math.floor(Date.now() / 1000);
const ALICE = 'https://op.example/id/alice';
function local() {
  const op = new FakeOP(OP, { pages: { [ALICE]: identityPage(OP) } });
  return { op, rp: makeRp({ fetcher: op.fetcher, store: new TestStore() }) };
}

describe('NO: replay protection', () => {
  test('NO-01 refuses the same assertion a second time (nonce_replay)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    assert.equal(success(await rp.complete(url, { state: auth.state })), alice());
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'nonce_replay');
  });

  test('NO-02 refuses a replay to another relying-party instance sharing the PostgreSQL store (nonce_replay)', async (t) => {
    const skip = await serviceSkip('postgres');
    if (skip) return t.skip(skip);
    const db = await tempPostgres();
    const one = await openStore(db.url, { tablePrefix: 'openid2_' });
    const two = await openStore(db.url, { tablePrefix: 'openid2_' });
    try {
      const rp1 = makeRp({ store: one });
      const rp2 = makeRp({ store: two });
      const { auth, url } = await loginAt(rp1, alice());
      assert.equal(success(await rp1.complete(url, { state: auth.state })), alice());
      assert.equal(failure(await rp2.complete(url, { state: auth.state })), 'nonce_replay');
    } finally {
      await one.close?.();
      await two.close?.();
      await db.drop();
    }
  });

  test('NO-03 one valid assertion sent 100 times at once to two RP processes on one PostgreSQL store: exactly one success', async (t) => {
    const skip = await serviceSkip('postgres');
    if (skip) return t.skip(skip);
    const db = await tempPostgres();
    const store = await openStore(db.url, { tablePrefix: 'openid2_' });
    const workers: ChildProcess[] = [];
    try {
      // The association lands in the shared store, so both processes can check the MAC locally.
      const rp = makeRp({ store });
      const { auth, url } = await loginAt(rp, alice());
      assert.ok(fieldsOf(url)['openid.assoc_handle']?.length, 'the login used an association');
      const script = fileURLToPath(new URL('./rp-worker.ts', import.meta.url));
      const ports: number[] = [];
      for (let i = 0; i < 2; i++) {
        const child = spawn(process.execPath, ['--import', 'tsx', script, db.url, REALM, RETURN, SECRET], {
          stdio: ['pipe', 'pipe', 'inherit'],
        });
        workers.push(child);
        const [line] = (await Promise.race([
          once(child.stdout as NodeJS.ReadableStream, 'data'),
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error('worker did not start in 30 s')), 30_000),
          ),
        ])) as [Buffer];
        ports.push(Number(line.toString().trim()));
      }
      const results = await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const res = await fetch(`http://127.0.0.1:${ports[i % 2]}/complete`, {
            method: 'POST',
            body: JSON.stringify({ url, state: auth.state }),
            signal: AbortSignal.timeout(30_000),
          });
          return (await res.json()) as { status: string; code: string | null };
        }),
      );
      const wins = results.filter((r) => r.status === 'success');
      assert.equal(wins.length, 1, JSON.stringify(results.filter((r) => r.status !== 'failure')));
      for (const r of results)
        if (r.status !== 'success') assert.deepEqual(r, { status: 'failure', code: 'nonce_replay' });
    } finally {
      for (const w of workers) {
        w.stdin?.end();
        if (w.exitCode === null)
          await Promise.race([once(w, 'exit'), new Promise((r) => setTimeout(r, 5000))]);
        if (w.exitCode === null && w.pid !== undefined) process.kill(w.pid);
      }
      await store.close?.();
      await db.drop();
    }
  });

  test('NO-04 still refuses a replay one second before the skew window ends, after a store cleanup', async () => {
    let offset = 0;
    const clock = () => nowS() + offset;
    const store = new MemoryStore({ now: clock });
    const rp = makeRp({ store, now: clock });
    const { auth, url } = await loginAt(rp, alice());
    assert.equal(success(await rp.complete(url, { state: auth.state })), alice());
    const issued = Date.parse((fieldsOf(url)['openid.response_nonce'] as string).slice(0, 20)) / 1000;
    offset = issued + DEFAULT_NONCE_SKEW - 1 - nowS();
    await store.cleanupNonces();
    const replay = makeRp({ store, now: clock, stateMaxAgeSeconds: 2 * DEFAULT_NONCE_SKEW });
    assert.equal(failure(await replay.complete(url, { state: auth.state })), 'nonce_replay');
  });

  test('NO-05 keys nonces by the verified endpoint: a respelled op_endpoint does not make a replay fresh', async () => {
    const { op, rp } = local();
    const nonce = makeNonce(nowS());
    const first = await fakeLogin(rp, op, ALICE, { nonce });
    assert.equal(success(await rp.complete(first.url, { state: first.auth.state })), ALICE);
    const second = await fakeLogin(rp, op, ALICE, {
      nonce,
      edit: (m) => m.set(OPENID_NS, 'op_endpoint', 'HTTPS://OP.EXAMPLE:443/server'),
    });
    assert.equal(failure(await rp.complete(second.url, { state: second.auth.state })), 'nonce_replay');
  });

  test('NO-06 a forged message carrying the genuine nonce does not burn it (bad_signature, then success)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const forged = edit(url, (f) => {
      f['openid.claimed_id'] = `${honest.base}/id/bob`;
      f['openid.identity'] = `${honest.base}/id/bob`;
    });
    assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'bad_signature');
    assert.equal(success(await rp.complete(url, { state: auth.state })), alice());
  });

  test('NO-07 refuses nonces far in the past, far in the future or just outside the window (nonce_skew)', async () => {
    const { op, rp } = local();
    for (const nonce of [
      '2005-05-15T17:11:51Zx',
      '2099-01-01T00:00:00Zx',
      makeNonce(nowS() - DEFAULT_NONCE_SKEW - 60),
      makeNonce(nowS() + DEFAULT_NONCE_SKEW + 60),
    ]) {
      const { auth, url } = await fakeLogin(rp, op, ALICE, { nonce });
      assert.equal(failure(await rp.complete(url, { state: auth.state })), 'nonce_skew', nonce);
    }
  });

  test('NO-08 refuses timestamps that are not RFC 3339 UTC with Z and whole seconds (nonce_malformed)', async () => {
    const { op, rp } = local();
    const today = new Date().toISOString().slice(0, 10);
    for (const nonce of [
      `${today}T12:52:43+02:00abc`,
      `${today}T12:52:43zabc`,
      `${today}T12:52:43.123Zabc`,
      '2026-13-01T00:00:00Zabc',
      `${today}T24:00:00Zabc`,
      `${today}T23:59:60Zabc`,
      `${today}X12:52:43Zabc`,
      `${today}T12:52:43`,
      'Zabc',
    ]) {
      const { auth, url } = await fakeLogin(rp, op, ALICE, { nonce });
      assert.equal(failure(await rp.complete(url, { state: auth.state })), 'nonce_malformed', nonce);
    }
  });

  test('NO-09 refuses nonces longer than 255 characters or outside ASCII 33-126 (nonce_malformed)', async () => {
    const { op, rp } = local();
    const stamp = makeNonce(nowS(), '');
    for (const nonce of [
      `${stamp}${'a'.repeat(256 - stamp.length)}`,
      `${stamp}a b`,
      `${stamp}a\u007fb`,
      `${stamp}é`,
    ]) {
      const { auth, url } = await fakeLogin(rp, op, ALICE, { nonce });
      assert.equal(
        failure(await rp.complete(url, { state: auth.state })),
        'nonce_malformed',
        JSON.stringify(nonce),
      );
    }
    const ok = await fakeLogin(rp, op, ALICE, { nonce: `${stamp}${'a'.repeat(255 - stamp.length)}` });
    assert.equal(success(await rp.complete(ok.url, { state: ok.auth.state })), ALICE);
  });

  test('NO-10 refuses a 2.0 assertion without response_nonce (nonce_missing)', async () => {
    const { op, rp } = local();
    const { auth, url } = await fakeLogin(rp, op, ALICE, {
      edit: (m) => m.delete(OPENID_NS, 'response_nonce'),
    });
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'nonce_missing');
  });

  test("NO-11 refuses a replayed OpenID 1 assertion through the RP's own nonce in return_to (nonce_replay)", async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, `${honest.base}/id1/alice`);
    assert.ok(new URL(fieldsOf(url)['openid.return_to'] as string).searchParams.has('openid2.rp_nonce'));
    assert.equal(success(await rp.complete(url, { state: auth.state })), `${honest.base}/id1/alice`);
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'nonce_replay');
  });

  test('NO-12 with a store, a stateless RP keeps nonces even when the OP says is_valid:true twice (nonce_replay)', async () => {
    const op = await scriptedServer();
    try {
      op.routes.set('/id', () => ({
        contentType: 'text/html',
        body: `<html><head><link rel="openid2.provider" href="${op.base}/op"></head></html>`,
      }));
      op.routes.set('/op', () => ({ body: 'ns:http://specs.openid.net/auth/2.0\nis_valid:true\n' }));
      const rp = makeRp({ associations: 'none' });
      const auth = await rp.begin(`${op.base}/id`);
      const returnTo = new URL(auth.redirectUrl).searchParams.get('openid.return_to') as string;
      const url = Message.fromPostArgs({
        'openid.ns': OPENID2_NS,
        'openid.mode': 'id_res',
        'openid.op_endpoint': `${op.base}/op`,
        'openid.claimed_id': `${op.base}/id`,
        'openid.identity': `${op.base}/id`,
        'openid.return_to': returnTo,
        'openid.response_nonce': makeNonce(nowS()),
        'openid.assoc_handle': '1234567890',
        'openid.signed': 'signed,op_endpoint,claimed_id,identity,return_to,response_nonce,assoc_handle',
        'openid.sig': 'AAAA',
      }).toURL(returnTo);
      assert.equal(success(await rp.complete(url, { state: auth.state })), `${op.base}/id`);
      assert.equal(failure(await rp.complete(url, { state: auth.state })), 'nonce_replay');
    } finally {
      await op.close();
    }
  });

  test('NO-13 (provider) confirms a response with check_authentication only once', async () => {
    const rp = makeRp({ store: null });
    const { auth, url } = await loginAt(rp, alice());
    const ask = async () => {
      const body = new URLSearchParams({ ...fieldsOf(url), 'openid.mode': 'check_authentication' });
      const res = await fetch(honest.endpoint, { method: 'POST', body });
      return Message.fromKVForm(await res.text()).get(OPENID_NS, 'is_valid');
    };
    assert.equal(await ask(), 'true');
    assert.equal(await ask(), 'false');
    // And so a stateless RP without a store still cannot be replayed against this provider.
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'check_auth_failed');
  });
});
