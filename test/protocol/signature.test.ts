import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { Association } from '../../src/protocol/association.js';
import { OPENID2_NS } from '../../src/protocol/constants.js';
import { AlreadySignedError, ProtocolError } from '../../src/protocol/errors.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import {
  computeMac,
  parseSignedList,
  type SigningKey,
  signedSubset,
  signedText,
  signMessage,
  verifyMessageSignature,
} from '../../src/protocol/signature.js';
import { readVector } from '../helpers/vectors.js';

/** Lines of `_derived/known_answer_vectors.txt`, computed with python3-openid. */
function kat(): string {
  return readVector('_derived/known_answer_vectors.txt');
}

function katValue(text: string, re: RegExp): string {
  const m = re.exec(text);
  assert.ok(m?.[1], `vector not found: ${re}`);
  return m[1];
}

const assoc = (type: 'HMAC-SHA1' | 'HMAC-SHA256' = 'HMAC-SHA256') =>
  new Association({
    handle: `h-${type}`,
    secret: randomBytes(type === 'HMAC-SHA1' ? 20 : 32),
    issued: 1_700_000_000,
    lifetime: 3600,
    assocType: type,
  });

function assertion(): Message {
  return Message.create('2.0')
    .set(OPENID_NS, 'mode', 'id_res')
    .set(OPENID_NS, 'op_endpoint', 'https://op.example/server')
    .set(OPENID_NS, 'claimed_id', 'https://op.example/id/victim')
    .set(OPENID_NS, 'identity', 'https://op.example/id/victim')
    .set(OPENID_NS, 'return_to', 'https://rp.example/return?sid=S')
    .set(OPENID_NS, 'response_nonce', '2026-11-22T10:00:00Zabc');
}

describe('signature known-answer vectors (python3-openid)', () => {
  test('HMAC-SHA1 and HMAC-SHA256 over key-value form match', () => {
    const text = kat();
    const secret = new TextEncoder().encode('very_secret');
    const kv = 'key1:value1\nkey2:value2\n';
    for (const [type, re] of [
      ['HMAC-SHA1', /HMAC-SHA1 secret=b'very_secret' over KV\(pairs\) -> hex ([0-9a-f]+)/],
      ['HMAC-SHA256', /HMAC-SHA256 secret=b'very_secret' over KV\(pairs\) -> hex ([0-9a-f]+)/],
    ] as const) {
      const key: SigningKey = { handle: 'x', assocType: type, secret };
      assert.equal(Buffer.from(computeMac(key, kv)).toString('hex'), katValue(text, re), type);
    }
  });

  for (const [type, handle] of [
    ['HMAC-SHA1', '{sha1}'],
    ['HMAC-SHA256', '{sha256SA}'],
  ] as const) {
    test(`signMessage with ${type} gives python-openid's signed list, text and signature`, () => {
      const text = kat();
      const esc = handle.replace(/[{}]/g, (c) => `\\${c}`);
      const sig = katValue(
        text,
        new RegExp(`${type} handle=${esc}: openid\\.signed=\\S+ openid\\.sig=(\\S+)`),
      );
      const signedList = katValue(text, new RegExp(`${type} handle=${esc}: openid\\.signed=(\\S+)`));
      const kv = katValue(
        text,
        new RegExp(`${type} handle=${esc}:.*\\n\\s+signed KV string = b'(.*)'`),
      ).replace(/\\n/g, '\n');
      const m = Message.fromPostArgs({
        'openid.ns': OPENID2_NS,
        'openid.mode': 'id_res',
        'openid.identifier': '=example',
        xey: 'value',
      });
      const key: SigningKey = { handle, assocType: type, secret: new TextEncoder().encode('very_secret') };
      signMessage(m, key);
      assert.equal(m.get(OPENID_NS, 'signed'), signedList);
      assert.equal(signedText(m, signedList.split(',')), kv);
      assert.equal(m.get(OPENID_NS, 'sig'), sig);
      assert.deepEqual(verifyMessageSignature(m, key), { ok: true, signedKeys: signedList.split(',') });
    });
  }
});

describe('signing and verification (spec §6)', () => {
  for (const type of ['HMAC-SHA1', 'HMAC-SHA256'] as const) {
    test(`a message signed with ${type} verifies with the same association`, () => {
      const a = assoc(type);
      const m = signMessage(assertion(), a);
      assert.equal(m.get(OPENID_NS, 'assoc_handle'), a.handle);
      assert.equal(verifyMessageSignature(m, a).ok, true);
      assert.equal(verifyMessageSignature(m, assoc(type)).ok, false);
    });
  }

  test('signs the given keys in the given order, adding assoc_handle and signed', () => {
    const a = assoc();
    const m = signMessage(assertion(), a, { signedKeys: ['op_endpoint', 'return_to', 'response_nonce'] });
    assert.equal(m.get(OPENID_NS, 'signed'), 'op_endpoint,return_to,response_nonce,assoc_handle,signed');
  });

  test('refuses to sign a message twice', () => {
    const a = assoc();
    const m = signMessage(assertion(), a);
    assert.throws(() => signMessage(m, a), AlreadySignedError);
  });

  test('SIG-01: a signed value edited after signing fails with bad_signature', () => {
    const a = assoc();
    const m = signMessage(assertion(), a);
    m.set(OPENID_NS, 'claimed_id', 'https://op.example/id/mallory');
    assert.deepEqual(
      [verifyMessageSignature(m, a).ok, (verifyMessageSignature(m, a) as { code: string }).code],
      [false, 'bad_signature'],
    );
  });

  test('SIG-02: a truncated, bit-flipped or empty signature fails', () => {
    const a = assoc();
    const m = signMessage(assertion(), a);
    const sig = m.get(OPENID_NS, 'sig') as string;
    for (const bad of [sig.slice(0, 10), '', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`]) {
      const copy = m.clone().set(OPENID_NS, 'sig', bad);
      const r = verifyMessageSignature(copy, a);
      assert.equal(r.ok, false, JSON.stringify(bad));
    }
  });

  test('SIG-03: the order of the signed list is part of what is signed', () => {
    const a = assoc();
    const m = signMessage(assertion(), a);
    const keys = (m.get(OPENID_NS, 'signed') as string).split(',');
    m.set(OPENID_NS, 'signed', [...keys].reverse().join(','));
    assert.equal((verifyMessageSignature(m, a) as { code: string }).code, 'bad_signature');
  });

  test('SIG-04: a signed key absent from the message is signed_field_absent', () => {
    const a = assoc();
    const m = signMessage(assertion(), a);
    m.set(OPENID_NS, 'signed', `${m.get(OPENID_NS, 'signed')},sreg.email`);
    assert.equal((verifyMessageSignature(m, a) as { code: string }).code, 'signed_field_absent');
  });

  test('SIG-05: empty, repeated or spaced entries in openid.signed are malformed', () => {
    for (const bad of ['claimed_id,,identity', 'claimed_id,claimed_id', 'claimed_id, identity', '']) {
      assert.throws(
        () => parseSignedList(bad),
        (e) => e instanceof ProtocolError && e.code === 'malformed_message',
      );
      const a = assoc();
      const m = signMessage(assertion(), a);
      m.set(OPENID_NS, 'signed', bad);
      assert.equal((verifyMessageSignature(m, a) as { code: string }).code, 'malformed_message', bad);
    }
  });

  test('a repeated entry is found in short and long signed lists, first or last', () => {
    for (const n of [2, 10, 24, 25, 60]) {
      const names = Array.from({ length: n }, (_, i) => `f${i}`);
      assert.deepEqual(parseSignedList(names.join(',')), names);
      for (const repeated of [
        [...names, 'f0'],
        ['f0', ...names],
        [...names, `f${n - 1}`],
      ]) {
        assert.throws(
          () => parseSignedList(repeated.join(',')),
          (e) => e instanceof ProtocolError && e.code === 'malformed_message' && /twice/.test(e.message),
          `${n} entries`,
        );
      }
    }
  });

  test('SIG-06: a non-canonical base64 form of the right signature does not pass', () => {
    const a = assoc('HMAC-SHA1');
    const m = signMessage(assertion(), a);
    const sig = m.get(OPENID_NS, 'sig') as string;
    const variants = [
      sig.replace(/=+$/, ''),
      `${sig}=`,
      `${sig.slice(0, 4)}!!!${sig.slice(4)}`,
      `${sig.slice(0, 4)}\n${sig.slice(4)}`,
      sig.replace(/\+/g, '-').replace(/\//g, '_'),
    ].filter((v) => v !== sig);
    assert.ok(variants.length >= 3);
    for (const v of variants) {
      // Node decodes each of these leniently to the same bytes; we must not accept them.
      const copy = m.clone();
      copy.delete(OPENID_NS, 'sig');
      copy.set(OPENID_NS, 'sig', v.replace(/\n/g, ''));
      if (v.replace(/\n/g, '') === sig) continue;
      assert.equal(verifyMessageSignature(copy, a).ok, false, JSON.stringify(v));
    }
  });

  test('SIG-07: the algorithm comes from the association, not from a hint in the message', () => {
    const a = assoc('HMAC-SHA1');
    const m = signMessage(assertion(), a);
    m.set(OPENID_NS, 'assoc_type', 'HMAC-SHA256');
    assert.equal(verifyMessageSignature(m, a).ok, true);
  });

  test('SIG-08: values with +, %2B and %20 verify after a URL round trip', () => {
    const a = assoc();
    const m = assertion().set(OPENID_NS, 'response_nonce', '2026-11-22T10:00:00Za+b=c d%2B');
    signMessage(m, a);
    const back = Message.fromQuery(m.toURL('https://rp.example/return?sid=S'));
    assert.equal(verifyMessageSignature(back, a).ok, true);
  });

  test('a message with no signature is missing_signature', () => {
    assert.equal(
      (verifyMessageSignature(assertion(), assoc()) as { code: string }).code,
      'missing_signature',
    );
  });

  test('verification never throws on arbitrary signed lists and signatures (fuzz)', () => {
    const a = assoc();
    const base = signMessage(assertion(), a);
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.string({ maxLength: 60 }), (signed, sig) => {
        const m = base.clone();
        try {
          m.set(OPENID_NS, 'signed', signed).set(OPENID_NS, 'sig', sig);
        } catch (e) {
          assert.ok(e instanceof ProtocolError);
          return;
        }
        assert.equal(verifyMessageSignature(m, a).ok, false);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('signedSubset: what extension readers may see', () => {
  const AX = 'http://openid.net/srv/ax/1.0';
  test('keeps only signed fields, and an alias only when its declaration is signed', () => {
    const m = assertion().set(AX, 'mode', 'fetch_response').set(AX, 'value.email', 'a@b.example');
    const a = assoc();
    signMessage(m, a, {
      signedKeys: [
        'op_endpoint',
        'claimed_id',
        'identity',
        'return_to',
        'response_nonce',
        'ns.ext0',
        'ext0.mode',
      ],
    });
    // An attacker appends an unsigned value (EXT-01).
    const tampered = Message.fromPostArgs({
      ...m.toPostArgs(),
      'openid.ext0.value.email': 'victim@corp.example',
    });
    const view = signedSubset(tampered, (tampered.get(OPENID_NS, 'signed') as string).split(','));
    assert.equal(view.get(AX, 'mode'), 'fetch_response');
    assert.equal(view.get(AX, 'value.email'), undefined);
    const unsignedNs = signedSubset(tampered, ['ext0.mode']);
    assert.equal(unsignedNs.get(AX, 'mode'), undefined);
  });
});
