/**
 * Security cases NS-02 … NS-12 (docs/security-cases.md §6): version
 * confusion and message shape. NS-01 (the Steam downgrade) is with the
 * Steam/adapters work; its core, stripping openid.ns, is SL-07.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { OPENID1_0_NS, OPENID1_NS, OPENID2_NS } from '../../src/protocol/constants.js';
import { Message } from '../../src/protocol/message.js';
import {
  edit,
  failure,
  fieldsOf,
  honestOp,
  loginAt,
  makeRp,
  type ProviderServer,
  RETURN,
  withFields,
} from './world.js';

let honest: ProviderServer;
before(async () => {
  honest = await honestOp();
});
after(() => honest.close());

const alice = () => `${honest.base}/id/alice`;

describe('NS: namespace, version and message shape', () => {
  test('NS-02 rejects an OpenID 1 namespace on a 2.0 login (ns_mismatch)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    for (const ns of [OPENID1_NS, OPENID1_0_NS]) {
      const forged = edit(url, (f) => {
        f['openid.ns'] = ns;
      });
      assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'ns_mismatch', ns);
    }
  });

  test('NS-03 rejects near-miss 2.0 namespaces by exact match (ns_mismatch)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    for (const ns of [
      `${OPENID2_NS}/`,
      OPENID2_NS.replace('http:', 'https:'),
      OPENID2_NS.toUpperCase(),
      `${OPENID2_NS} `,
    ]) {
      const forged = edit(url, (f) => {
        f['openid.ns'] = ns;
      });
      assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'ns_mismatch', ns);
    }
  });

  test('NS-04 rejects a duplicate openid.ns before parsing further (malformed_message)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const forged = `${url}&openid.ns=${encodeURIComponent(OPENID1_NS)}`;
    assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'malformed_message');
  });

  test('NS-05 applies the discovered version: a 1.x setup answer on a 2.0 login is ns_mismatch', async () => {
    const rp = makeRp();
    const auth = await rp.begin(alice(), { immediate: true });
    const returnTo = new URL(auth.redirectUrl).searchParams.get('openid.return_to') as string;
    const reply = Message.fromPostArgs({
      'openid.mode': 'id_res',
      'openid.user_setup_url': 'https://evil.example/phish',
    }).toURL(returnTo);
    assert.equal(failure(await rp.complete(reply, { state: auth.state })), 'ns_mismatch');
  });

  test('NS-06 rejects a 2.0 answer for a login whose endpoint speaks only OpenID 1 (ns_mismatch)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, `${honest.base}/id1/alice`);
    const forged = edit(url, (f) => {
      f['openid.ns'] = OPENID2_NS;
    });
    assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'ns_mismatch');
  });

  test('NS-07 refuses an extension alias for the core namespace (malformed_message)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const forged = `${url}&openid.ns.foo=${encodeURIComponent(OPENID2_NS)}`;
    assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'malformed_message');
  });

  test('NS-08 takes a POSTed answer from the body only: openid.* in the query too is malformed_message', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const body = new URLSearchParams(fieldsOf(url)).toString();
    const query = withFields(url, { 'openid.claimed_id': `${honest.base}/id/victim` });
    assert.equal(failure(await rp.complete(query, { state: auth.state, body })), 'malformed_message');
  });

  test('NS-09 treats a missing or unknown openid.mode as no login (malformed_message)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const none = edit(url, (f) => {
      delete f['openid.mode'];
    });
    const odd = edit(url, (f) => {
      f['openid.mode'] = 'id_res2';
    });
    for (const u of [none, odd, RETURN]) {
      assert.equal(failure(await rp.complete(u, { state: auth.state })), 'malformed_message', u);
    }
  });

  test('NS-10 rejects NUL and control characters in names and values (malformed_message)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const victim = encodeURIComponent(`${honest.base}/id/victim`);
    for (const extra of [
      `openid.claimed_id%00=${victim}`,
      `openid.identity%0A=${victim}`,
      `openid.x=${victim}%00`,
      `openid.y=a%0Db`,
    ]) {
      assert.equal(
        failure(await rp.complete(`${url}&${extra}`, { state: auth.state })),
        'malformed_message',
        extra,
      );
    }
  });

  test('NS-10 a zero-width look-alike key is another (unsigned) field: the login stays the signed one', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const victim = encodeURIComponent(`${honest.base}/id/victim`);
    const r = await rp.complete(`${url}&openid.claimed_id%E2%80%8B=${victim}`, { state: auth.state });
    assert.equal(r.status, 'success');
    assert.equal((r as { claimedId: string }).claimedId, alice());
    assert.equal(
      (r as { signedMessage: Message }).signedMessage.getWire('openid.claimed_id\u200b'),
      undefined,
    );
  });

  test('NS-11 rejects parameter pollution: a second claimed_id, or an array from a body parser (malformed_message)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const victim = `${honest.base}/id/victim`;
    // URLSearchParams.get would read the first, querystring would give an array: neither is used.
    const polluted = `${url}&openid.claimed_id=${encodeURIComponent(victim)}`;
    assert.equal(new URL(polluted).searchParams.get('openid.claimed_id'), alice());
    assert.equal(failure(await rp.complete(polluted, { state: auth.state })), 'malformed_message');
    const { parse } = await import('node:querystring');
    const body = parse(new URL(polluted).search.slice(1));
    assert.ok(Array.isArray(body['openid.claimed_id']));
    assert.equal(failure(await rp.complete(RETURN, { state: auth.state, body })), 'malformed_message');
  });

  test('NS-12 (provider) reads only the version-appropriate realm key, and refuses claimed_id without identity', async () => {
    const id = alice();
    const base = { 'openid.ns': OPENID2_NS, 'openid.mode': 'checkid_setup', 'openid.return_to': RETURN };
    // Both realm and trust_root, different: a 2.0 request is judged by openid.realm only.
    const seen: string[] = [];
    honest.decision = (req) => {
      seen.push(req.realm);
      return req.answer(false);
    };
    try {
      const both = {
        ...base,
        'openid.claimed_id': id,
        'openid.identity': id,
        'openid.realm': 'https://rp.example/',
        'openid.trust_root': 'https://evil.example/',
      };
      await fetch(`${honest.endpoint}?${new URLSearchParams(both)}`, { redirect: 'manual' });
      assert.deepEqual(seen, ['https://rp.example/']);
    } finally {
      honest.decision = 'allow';
    }
    const half = { ...base, 'openid.claimed_id': id, 'openid.realm': 'https://rp.example/' };
    const res = await fetch(`${honest.endpoint}?${new URLSearchParams(half)}`, { redirect: 'manual' });
    const location = res.headers.get('location');
    const answer = location ? new URL(location).searchParams : new URLSearchParams();
    assert.ok(answer.get('openid.mode') === 'error' || res.status === 400, `${res.status} ${location}`);
    assert.notEqual(answer.get('openid.mode'), 'id_res');
  });
});
