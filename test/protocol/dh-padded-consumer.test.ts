/**
 * A relying party that hashes the Diffie-Hellman secret zero-padded to the
 * modulus length, as node-openid does with Node's computeSecret, gets the
 * provider's MAC key on every association: the provider draws its private
 * key again when the secret's top byte would be zero (src/protocol/dh.ts,
 * fillsModulusLength). The consumer here is written from §8.4.2 with the
 * padding mistake made on purpose, on node:crypto's own DH, not ours.
 */
import assert from 'node:assert/strict';
import { createDiffieHellman, createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { answerDiffieHellman, DEFAULT_DH_MODULUS, fillsModulusLength } from '../../src/protocol/dh.js';

const P_HEX = DEFAULT_DH_MODULUS.toString(16);
const P_BYTES = P_HEX.length / 2; // 128: the default modulus is 1024 bits

/** The padded-hash consumer: node:crypto DH, secret hashed as computeSecret returns it (128 bytes, zero-padded). */
function paddedConsumer() {
  const dh = createDiffieHellman(Buffer.from(P_HEX, 'hex'), Buffer.from([2]));
  dh.generateKeys();
  const pub = dh.getPublicKey();
  // btwoc of the public value: a leading 0x00 when its high bit is set (§4.2).
  const publicBtwoc = pub[0]! > 127 ? Buffer.concat([Buffer.of(0), pub]) : pub;
  return {
    request: { dh_consumer_public: publicBtwoc.toString('base64') },
    macKey(answer: Record<string, string>, hash: 'sha1' | 'sha256'): Buffer {
      let server = Buffer.from(answer['dh_server_public'] ?? '', 'base64');
      if (server[0] === 0) server = server.subarray(1);
      let secret = dh.computeSecret(server); // always P_BYTES long: padded, the mistake
      assert.equal(secret.length, P_BYTES);
      // node-openid's btwoc: a 0x00 only in front of a high first byte, never a leading zero removed.
      if (secret[0]! > 127) secret = Buffer.concat([Buffer.of(0), secret]);
      const digest = createHash(hash).update(secret).digest();
      const enc = Buffer.from(answer['enc_mac_key'] ?? '', 'base64');
      return Buffer.from(enc.map((b, i) => b ^ digest[i]!));
    },
  };
}

describe('DH with a relying party that hashes the padded secret (node-openid)', () => {
  test('fillsModulusLength: the top byte of a 128-byte value decides', () => {
    assert.equal(fillsModulusLength(1n << 1016n, DEFAULT_DH_MODULUS), true); // 0x01 00…00: 128 bytes
    assert.equal(fillsModulusLength((1n << 1016n) - 1n, DEFAULT_DH_MODULUS), false); // 0x00 FF…FF: 127 bytes
    assert.equal(fillsModulusLength(DEFAULT_DH_MODULUS - 1n, DEFAULT_DH_MODULUS), true);
    assert.equal(fillsModulusLength(2n, DEFAULT_DH_MODULUS), false);
    assert.equal(fillsModulusLength(0x1234n, 0xffffn), true); // a 2-byte modulus
    assert.equal(fillsModulusLength(0x34n, 0xffffn), false);
  });

  // About 1 association in 440 differed before (top byte zero, next byte below 0x80): 3,000
  // associations would show ~7 such keys, and none at all by chance with probability ~0.1%.
  for (const [session, hash, bytes] of [
    ['DH-SHA1', 'sha1', 20],
    ['DH-SHA256', 'sha256', 32],
  ] as const) {
    test(`${session}: 1,500 associations, every padded-hash key equals the provider's MAC key`, () => {
      let differ = 0;
      for (let i = 0; i < 1500; i++) {
        const consumer = paddedConsumer();
        const macKey = randomBytes(bytes);
        const answer = answerDiffieHellman(session, consumer.request, macKey);
        if (!consumer.macKey(answer, hash).equals(macKey)) differ++;
      }
      assert.equal(differ, 0, `${differ} of 1,500 keys differed`);
    });
  }

  test('a private key the caller fixes is used as it is, never drawn again', () => {
    const consumer = paddedConsumer();
    const macKey = randomBytes(20);
    const a = answerDiffieHellman('DH-SHA1', consumer.request, macKey, { privateKey: 12345n });
    const b = answerDiffieHellman('DH-SHA1', consumer.request, macKey, { privateKey: 12345n });
    assert.deepEqual(a, b);
    // 2^12345 mod p, computed by node:crypto from the same private key.
    const reference = createDiffieHellman(Buffer.from(P_HEX, 'hex'), Buffer.from([2]));
    reference.setPrivateKey(Buffer.from((12345).toString(16).padStart(4, '0'), 'hex'));
    let pub = reference.generateKeys();
    while (pub[0] === 0) pub = pub.subarray(1);
    const btwocPub = pub[0]! > 127 ? Buffer.concat([Buffer.of(0), pub]) : pub;
    assert.equal(a['dh_server_public'], btwocPub.toString('base64'));
  });
});
