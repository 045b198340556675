/**
 * Security cases CA-01 … CA-09 (docs/security-cases.md §9, spec §11.4.2):
 * check_authentication goes only to the verified endpoint, its answer is read
 * strictly, and the provider confirms only its own private signatures.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Association } from '../../src/protocol/association.js';
import { OPENID2_NS } from '../../src/protocol/constants.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { makeNonce } from '../../src/protocol/nonce.js';
import {
  type AttackerOp,
  attackerOp,
  edit,
  FakeOP,
  failure,
  fieldsOf,
  honestOp,
  loginAt,
  makeRp,
  type ProviderServer,
  resign,
  type ScriptedServer,
  scriptedServer,
  withFields,
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

const alice = () => `${honest.base}/id/alice`;
const nowS = () => Math.floor(Date.now() / 1000);

/** A scripted provider with an identity page at /id and an endpoint at /op; returns a stateless login's forged answer. */
async function scriptedLogin(op: ScriptedServer, extra: Record<string, string> = {}) {
  op.routes.set('/id', () => ({
    contentType: 'text/html',
    body: `<html><head><link rel="openid2.provider" href="${op.base}/op"></head></html>`,
  }));
  const rp = makeRp({ store: null, fetch: { allowPrivateNetworks: true, timeoutMs: 800 } });
  const auth = await rp.begin(`${op.base}/id`);
  const returnTo = new URL(auth.redirectUrl).searchParams.get('openid.return_to') as string;
  const fields = {
    'openid.ns': OPENID2_NS,
    'openid.mode': 'id_res',
    'openid.op_endpoint': `${op.base}/op`,
    'openid.claimed_id': `${op.base}/id`,
    'openid.identity': `${op.base}/id`,
    'openid.return_to': returnTo,
    'openid.response_nonce': makeNonce(nowS()),
    'openid.assoc_handle': 'private-1',
    'openid.signed': 'op_endpoint,claimed_id,identity,return_to,response_nonce,assoc_handle',
    'openid.sig': 'c2lnbmF0dXJl',
    ...extra,
  };
  return { rp, auth, fields, url: Message.fromPostArgs(fields).toURL(returnTo) };
}

async function associateWithHonest(): Promise<Association> {
  const res = await fetch(honest.endpoint, {
    method: 'POST',
    body: new URLSearchParams({
      'openid.ns': OPENID2_NS,
      'openid.mode': 'associate',
      'openid.assoc_type': 'HMAC-SHA256',
      'openid.session_type': 'no-encryption',
    }),
  });
  const kv = Message.fromKVForm(await res.text());
  return new Association({
    handle: kv.get(OPENID_NS, 'assoc_handle') as string,
    secret: new Uint8Array(Buffer.from(kv.get(OPENID_NS, 'mac_key') as string, 'base64')),
    issued: nowS(),
    lifetime: 3600,
    assocType: 'HMAC-SHA256',
  });
}

async function checkAuth(fields: Record<string, string>): Promise<Message> {
  const body = new URLSearchParams({ ...fields, 'openid.mode': 'check_authentication' });
  const res = await fetch(honest.endpoint, { method: 'POST', body });
  return Message.fromKVForm(await res.text());
}

describe('CA: check_authentication and stateless mode', () => {
  test('CA-01 never asks an op_endpoint named only by the message (discovery_mismatch, no request to it)', async () => {
    const rp = makeRp({ store: null });
    const auth = await rp.begin(alice());
    const request = FakeOP.request(auth.redirectUrl);
    // The attacker's OP signs the victim's login (it would say is_valid:true if asked).
    const url = FakeOP.returnUrl(evil.op.assertion(request));
    assert.equal(fieldsOf(url)['openid.op_endpoint'], evil.endpoint);
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'discovery_mismatch');
    assert.deepEqual(evil.op.log, []);
  });

  test('CA-02 reads is_valid strictly: only the exact key and value true count (check_auth_failed)', async () => {
    for (const answer of [
      'is_valid:false\nerror:is_valid:true\n',
      'is_valid:truex\n',
      'is_valid:TRUE\n',
      'is_valid:false\nis_valid:true\n',
      'xis_valid:true\n',
      '<html>is_valid:true</html>',
    ]) {
      const op = await scriptedServer();
      try {
        const { rp, auth, url } = await scriptedLogin(op);
        op.routes.set('/op', () => ({ body: answer }));
        assert.equal(failure(await rp.complete(url, { state: auth.state })), 'check_auth_failed', answer);
      } finally {
        await op.close();
      }
    }
  });

  test('CA-03 fails closed on HTTP errors, HTML and a provider that never answers (check_auth_failed)', async () => {
    const answers = [
      { status: 400, body: 'is_valid:true\n' },
      { status: 500, body: 'is_valid:true\n' },
      { status: 200, contentType: 'text/html', body: '<!doctype html><p>OK</p>' },
      { hang: true },
    ];
    for (const answer of answers) {
      const op = await scriptedServer();
      try {
        const { rp, auth, url } = await scriptedLogin(op);
        op.routes.set('/op', () => answer);
        assert.equal(
          failure(await rp.complete(url, { state: auth.state })),
          'check_auth_failed',
          JSON.stringify(answer),
        );
      } finally {
        await op.close();
      }
    }
  });

  test('CA-04 does not take an answer from where the endpoint redirects (check_auth_failed)', async () => {
    const other = await scriptedServer();
    other.routes.set('/yes', () => ({ body: 'is_valid:true\n' }));
    try {
      for (const status of [302, 307]) {
        const op = await scriptedServer();
        try {
          const { rp, auth, url } = await scriptedLogin(op);
          op.routes.set('/op', () => ({ status, headers: { location: `${other.base}/yes` } }));
          assert.equal(
            failure(await rp.complete(url, { state: auth.state })),
            'check_auth_failed',
            String(status),
          );
        } finally {
          await op.close();
        }
      }
    } finally {
      await other.close();
    }
  });

  test('CA-05 forwards every openid.* field exactly, only mode changed, and nothing else', async () => {
    const op = await scriptedServer();
    try {
      const odd = {
        'openid.ns.ext': 'https://ext.example/1',
        'openid.ext.plus': 'a+b %2B c=d&e',
        'openid.ext.uni': 'zoë ✓ 漢字',
      };
      const { rp, auth, fields, url } = await scriptedLogin(op, odd);
      let forwarded: URLSearchParams | null = null;
      op.routes.set('/op', ({ body }) => {
        forwarded = new URLSearchParams(body);
        return { body: 'is_valid:false\n' };
      });
      assert.equal(failure(await rp.complete(url, { state: auth.state })), 'check_auth_failed');
      assert.ok(forwarded, 'check_authentication was sent');
      const got = Object.fromEntries(forwarded as URLSearchParams);
      assert.deepEqual(got, { ...fields, 'openid.mode': 'check_authentication' });
    } finally {
      await op.close();
    }
  });

  test('CA-06 (provider) refuses to confirm an assertion signed with a shared association (is_valid:false)', async () => {
    const shared = await associateWithHonest();
    const rp = makeRp({ store: null });
    const auth = await rp.begin(`${honest.base}/id/victim`);
    const request = FakeOP.request(auth.redirectUrl);
    const forged = resign(
      {
        'openid.ns': OPENID2_NS,
        'openid.mode': 'id_res',
        'openid.op_endpoint': honest.endpoint,
        'openid.claimed_id': `${honest.base}/id/victim`,
        'openid.identity': `${honest.base}/id/victim`,
        'openid.return_to': request.get(OPENID_NS, 'return_to') as string,
        'openid.response_nonce': makeNonce(nowS()),
      },
      shared,
    );
    assert.equal((await checkAuth(forged)).get(OPENID_NS, 'is_valid'), 'false');
    const url = withFields(request.get(OPENID_NS, 'return_to') as string, forged);
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'check_auth_failed');
  });

  test('CA-07 (provider) refuses an altered signed field; appended unsigned fields are the RP’s to refuse (SL-01)', async () => {
    const rp = makeRp({ store: null });
    const altered = await loginAt(rp, alice());
    const a = fieldsOf(altered.url);
    assert.equal(
      (await checkAuth({ ...a, 'openid.identity': `${honest.base}/id/bob` })).get(OPENID_NS, 'is_valid'),
      'false',
    );
    const anon = await loginAt(rp, alice(), { anonymous: true });
    const victim = `${honest.base}/id/victim`;
    const appended = { ...fieldsOf(anon.url), 'openid.claimed_id': victim, 'openid.identity': victim };
    assert.equal((await checkAuth(appended)).get(OPENID_NS, 'is_valid'), 'true');
    const anon2 = await loginAt(rp, alice(), { anonymous: true });
    const url = edit(anon2.url, (f) => {
      f['openid.claimed_id'] = victim;
      f['openid.identity'] = victim;
    });
    assert.equal(failure(await rp.complete(url, { state: anon2.auth.state })), 'missing_signed_field');
  });

  test('CA-08 (provider) echoes invalidate_handle only for a handle that is really invalid', async () => {
    const shared = await associateWithHonest();
    const rp = makeRp({ store: null });
    const live = await loginAt(rp, alice());
    const kept = await checkAuth({ ...fieldsOf(live.url), 'openid.invalidate_handle': shared.handle });
    assert.equal(kept.get(OPENID_NS, 'is_valid'), 'true');
    assert.equal(kept.get(OPENID_NS, 'invalidate_handle'), undefined);
    const gone = await loginAt(rp, alice());
    const dropped = await checkAuth({ ...fieldsOf(gone.url), 'openid.invalidate_handle': 'no-such-handle' });
    assert.equal(dropped.get(OPENID_NS, 'invalidate_handle'), 'no-such-handle');
  });

  test('CA-09 with requireHttps, check_authentication over plain http is insecure_transport', async () => {
    const starter = makeRp({ store: null });
    const { auth, url } = await loginAt(starter, alice());
    const strict = makeRp({ store: null, fetch: { allowPrivateNetworks: true, requireHttps: true } });
    assert.equal(failure(await strict.complete(url, { state: auth.state })), 'insecure_transport');
  });
});
