/**
 * Security cases TM-01 … TM-03 (docs/security-cases.md §19): signatures
 * are compared in constant time. Asserted by construction, not by a clock:
 * `crypto.timingSafeEqual` is wrapped (the builtin's ESM bindings follow
 * via `syncBuiltinESMExports`) and every comparison the relying party and
 * the provider make must go through it, on equal-length buffers, with the
 * lengths checked first so a short signature is `bad_signature`, never a
 * RangeError.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { edit, failure, fieldsOf, honestOp, loginAt, makeRp, type ProviderServer, success } from './world.js';

let honest: ProviderServer;
const calls: [number, number][] = [];
const original = crypto.timingSafeEqual;
before(async () => {
  honest = await honestOp();
  crypto.timingSafeEqual = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView): boolean => {
    calls.push([a.byteLength, b.byteLength]);
    return original(a, b);
  };
  syncBuiltinESMExports();
});
after(async () => {
  crypto.timingSafeEqual = original;
  syncBuiltinESMExports();
  await honest.close();
});
beforeEach(() => {
  calls.length = 0;
});

const alice = () => `${honest.base}/id/alice`;
const flip = (sig: string) => {
  const b = Buffer.from(sig, 'base64');
  b[b.length - 1] = (b[b.length - 1] as number) ^ 0x80;
  return b.toString('base64');
};

describe('TM: constant-time comparisons', () => {
  test('TM-01 the RP checks an association MAC with timingSafeEqual on equal-length buffers', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const forged = edit(url, (f) => {
      f['openid.sig'] = flip(f['openid.sig'] as string);
    });
    calls.length = 0;
    assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'bad_signature');
    const sigLength = (fieldsOf(url)['openid.sig'] as string).length;
    assert.ok(
      calls.some(([a, b]) => a === sigLength && b === sigLength),
      JSON.stringify(calls),
    );
    assert.ok(
      calls.every(([a, b]) => a === b),
      JSON.stringify(calls),
    );
    calls.length = 0;
    assert.equal(success(await rp.complete(url, { state: auth.state })), alice());
    assert.ok(
      calls.some(([a, b]) => a === sigLength && b === sigLength),
      'the genuine one went through it too',
    );
  });

  test("TM-02 the provider's check_authentication compares with timingSafeEqual", async () => {
    const rp = makeRp({ store: null });
    const { url } = await loginAt(rp, alice());
    const fields = fieldsOf(url);
    const sigLength = (fields['openid.sig'] as string).length;
    calls.length = 0;
    const res = await fetch(honest.endpoint, {
      method: 'POST',
      body: new URLSearchParams({
        ...fields,
        'openid.sig': flip(fields['openid.sig'] as string),
        'openid.mode': 'check_authentication',
      }),
    });
    assert.equal(Message.fromKVForm(await res.text()).get(OPENID_NS, 'is_valid'), 'false');
    assert.ok(
      calls.some(([a, b]) => a === sigLength && b === sigLength),
      JSON.stringify(calls),
    );
  });

  test('TM-03 a length-mismatched sig or state MAC is refused before the compare, never a RangeError', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    for (const sig of ['AAAA', `${fieldsOf(url)['openid.sig']}AAAA`]) {
      calls.length = 0;
      const forged = edit(url, (f) => {
        f['openid.sig'] = sig;
      });
      assert.equal(failure(await rp.complete(forged, { state: auth.state })), 'bad_signature');
      assert.ok(
        calls.every(([a, b]) => a === b),
        JSON.stringify(calls),
      );
    }
    calls.length = 0;
    assert.equal(failure(await rp.complete(url, { state: `${auth.state}xx` })), 'state_invalid');
    assert.ok(
      calls.every(([a, b]) => a === b),
      JSON.stringify(calls),
    );
  });
});
