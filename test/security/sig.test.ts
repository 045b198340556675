/**
 * Security cases SIG-01 … SIG-09 (docs/security-cases.md §1) against a real
 * flow on 127.0.0.1: a genuine assertion from this package's Provider, edited
 * on its way back through the browser. The protocol-level checks of the same
 * cases are in test/protocol/signature.test.ts; these assert what the relying
 * party answers.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { MemoryStore } from '../../src/stores/memory.js';
import {
  edit,
  failure,
  fieldsOf,
  honestOp,
  loginAt,
  makeRp,
  type ProviderServer,
  RETURN,
  success,
  withFields,
} from './world.js';

let op: ProviderServer;
before(async () => {
  op = await honestOp();
});
after(() => op.close());

const alice = () => `${op.base}/id/alice`;

describe('SIG: signature verification at the relying party', () => {
  test('SIG-01 rejects a genuine assertion whose signed claimed_id was edited (bad_signature)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    // The attacker names another real user of the same provider: discovery agrees, the MAC does not.
    const bob = `${op.base}/id/bob`;
    const forged = edit(url, (f) => {
      f['openid.claimed_id'] = bob;
      f['openid.identity'] = bob;
    });
    assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'bad_signature');
    // The untouched one still logs in: the failure was the edit.
    assert.equal(success(await rp.complete(url, { state: auth.state })), alice());
  });

  test('SIG-01 stateless: an edited assertion is refused by check_authentication (check_auth_failed)', async () => {
    const rp = makeRp({ store: null });
    const { auth, url } = await loginAt(rp, alice());
    const forged = edit(url, (f) => {
      f['openid.claimed_id'] = `${op.base}/id/bob`;
      f['openid.identity'] = `${op.base}/id/bob`;
    });
    assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'check_auth_failed');
  });

  test('SIG-02 rejects a bit-flipped or truncated sig as bad_signature, an empty one as missing_field', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const sig = fieldsOf(url)['openid.sig'] as string;
    const flipped = Buffer.from(sig, 'base64');
    flipped[0] = (flipped[0] as number) ^ 1;
    for (const bad of [flipped.toString('base64'), sig.slice(0, 10), sig.slice(0, -1), `${sig}A`]) {
      const forged = edit(url, (f) => {
        f['openid.sig'] = bad;
      });
      assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'bad_signature', bad);
    }
    const empty = edit(url, (f) => {
      f['openid.sig'] = '';
    });
    assert.equal(failure(await rp.complete(empty, { state: auth.state })), 'missing_field');
  });

  test('SIG-03 rejects a reordered openid.signed with the original sig (bad_signature)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const forged = edit(url, (f) => {
      const keys = (f['openid.signed'] as string).split(',');
      f['openid.signed'] = [...keys.slice(1), keys[0]].join(',');
    });
    assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'bad_signature');
  });

  test('SIG-04 rejects a signed list naming an absent field (signed_field_absent)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const forged = edit(url, (f) => {
      f['openid.signed'] = `${f['openid.signed']},sreg.email`;
    });
    assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'signed_field_absent');
  });

  test('SIG-05 rejects empty, repeated or spaced entries in openid.signed (malformed_message)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const signed = fieldsOf(url)['openid.signed'] as string;
    for (const list of [
      `claimed_id,,${signed}`,
      `${signed},claimed_id`,
      `${signed}, identity`,
      `${signed},`,
    ]) {
      const forged = edit(url, (f) => {
        f['openid.signed'] = list;
      });
      assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'malformed_message', list);
    }
  });

  test('SIG-06 rejects non-canonical base64 spellings of the right signature (bad_signature)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const sig = fieldsOf(url)['openid.sig'] as string;
    // Each decodes to the same bytes under Node's lenient base64 decoder.
    assert.ok(sig.endsWith('='), 'an HMAC-SHA256 signature in base64 ends with padding');
    const spellings = [
      sig.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
      `${sig.slice(0, 8)}!!!${sig.slice(8)}`,
      `${sig.slice(0, 8)}\n${sig.slice(8)}`,
      sig.replace(/=+$/, ''),
      `${sig}=`,
    ];
    for (const s of spellings) {
      assert.deepEqual(Buffer.from(s, 'base64'), Buffer.from(sig, 'base64'), 'the spelling decodes equal');
      const forged = edit(url, (f) => {
        f['openid.sig'] = s;
      });
      const code = failure(await rp.complete(forged, { state: auth.state }));
      assert.ok(code === 'bad_signature' || code === 'malformed_message', `${JSON.stringify(s)} → ${code}`);
    }
  });

  test('SIG-07 takes the algorithm from the stored association, never from a message hint', async () => {
    const store = new MemoryStore();
    const rp = makeRp({ store });
    const { auth, url } = await loginAt(rp, alice());
    const f = fieldsOf(url);
    const assoc = await store.getAssociation(op.endpoint, f['openid.assoc_handle'] as string);
    assert.ok(assoc && assoc.assocType === 'HMAC-SHA256', 'the RP holds an HMAC-SHA256 association');
    // Same key, HMAC-SHA1, with an unsigned hint saying so: refused.
    const text = (f['openid.signed'] as string)
      .split(',')
      .map((k) => `${k}:${f[`openid.${k}`]}\n`)
      .join('');
    const sha1 = createHmac('sha1', assoc.secret).update(text).digest('base64');
    const forged = withFields(url, { ...f, 'openid.sig': sha1, 'openid.assoc_type': 'HMAC-SHA1' });
    assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'bad_signature');
    // The genuine one with the same unsigned hint appended still verifies (the hint is ignored).
    const hinted = withFields(url, { ...f, 'openid.assoc_type': 'HMAC-SHA1' });
    assert.equal(success(await rp.complete(hinted, { state: auth.state })), alice());
  });

  test('SIG-08 verifies values carrying +, %2B and %20 as form-decoded text; an altered one fails', async () => {
    const rp = makeRp();
    const returnTo = `${RETURN}&next=${encodeURIComponent('/a+b c/=x')}&raw=a+b%2Bc%20d`;
    const { auth, url } = await loginAt(rp, alice(), { returnTo });
    const back = new URL(url);
    assert.equal(back.searchParams.get('raw'), 'a b+c d');
    assert.equal(success(await rp.complete(url, { state: auth.state })), alice());
    // The same assertion as a POST body (another encoding of the same values) verifies too.
    const f = fieldsOf(url);
    const rp2 = makeRp();
    const second = await loginAt(rp2, alice(), { returnTo });
    const body = new URLSearchParams(fieldsOf(second.url)).toString();
    const arrival = new URL(second.url);
    for (const k of [...arrival.searchParams.keys()])
      if (k.startsWith('openid.')) arrival.searchParams.delete(k);
    assert.equal(
      success(await rp2.complete(arrival.toString(), { state: second.auth.state, body })),
      alice(),
    );
    // `+` read as a literal plus instead of a space is another value: refused.
    const altered = edit(url, (g) => {
      g['openid.return_to'] = (f['openid.return_to'] as string).replace('a+b%2Bc', 'a%2Bb%2Bc');
    });
    const code = failure(await rp.complete(altered, { state: auth.state }));
    assert.ok(['bad_signature', 'return_to_mismatch'].includes(code), code);
  });

  test('SIG-09 rejects duplicate, array and object values before any use (malformed_message)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const f = fieldsOf(url);
    const dup = `${url}&openid.sig=${encodeURIComponent('AAAA')}`;
    assert.equal(failure(await rp.complete(dup, { state: auth.state })), 'malformed_message');
    const dupClaimed = `${url}&openid.claimed_id=${encodeURIComponent(`${op.base}/id/bob`)}`;
    assert.equal(failure(await rp.complete(dupClaimed, { state: auth.state })), 'malformed_message');
    // What a qs-style body parser hands over: arrays and nested objects.
    const bare = withFields(url, {});
    const arrays: Record<string, unknown>[] = [
      { ...f, 'openid.sig': [f['openid.sig'], 'x'] },
      { ...f, 'openid.claimed_id': { 0: `${op.base}/id/bob` } },
      { ...f, 'openid.sig': 42 },
    ];
    for (const body of arrays) {
      assert.equal(failure(await rp.complete(bare, { state: auth.state, body })), 'malformed_message');
    }
  });
});
