import assert from 'node:assert/strict';
import { checkPrimeSync, createHash, getDiffieHellman, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { AssociationType, SessionType } from '../../src/protocol/constants.js';
import {
  answerDiffieHellman,
  createConsumerSession,
  DEFAULT_DH_GENERATOR,
  DEFAULT_DH_MODULUS,
} from '../../src/protocol/dh.js';
import { getDhGroup } from '../../src/protocol/dh-group.js';
import { btwoc, encodeBase64, longToBase64 } from '../../src/protocol/encoding.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { readVector } from '../helpers/vectors.js';

const P = DEFAULT_DH_MODULUS;
const dhInvalid = (e: unknown) => e instanceof ProtocolError && e.code === 'dh_invalid';
const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
/** RFC 3526 group 14 (2048-bit MODP), a safe prime OpenSSL knows by name, so cheap to set up. */
const MODP14 = BigInt(`0x${getDiffieHellman('modp14').getPrime('hex')}`);
/** RFC 2409 group 1 (768-bit) as a weak but prime modulus: smaller than the 1024-bit floor. */
const MODP1 = BigInt(`0x${getDiffieHellman('modp1').getPrime('hex')}`);

/** The known-answer block of `_derived/known_answer_vectors.txt`. */
function readKnownAnswers() {
  const text = readVector('_derived/known_answer_vectors.txt');
  const value = (re: RegExp): string => {
    const m = re.exec(text);
    assert.ok(m?.[1], `vector ${re} present`);
    return m[1];
  };
  const session = (type: 'DH-SHA1' | 'DH-SHA256') => {
    const start = text.indexOf(`${type}: `);
    const block = text.slice(start, text.indexOf('\n', text.indexOf('shared_secret_btwoc_hex', start)));
    const field = (name: string) => {
      const m = new RegExp(`${name}=(\\S+)`).exec(block);
      assert.ok(m?.[1], `${type} ${name} present`);
      return m[1];
    };
    return {
      macKey: fromHex(field('mac_secret_hex')),
      consumerPublic: field('openid.dh_consumer_public'),
      serverPublic: field('openid.dh_server_public'),
      encMacKey: field('openid.enc_mac_key'),
      sharedBtwocHex: field('shared_secret_btwoc_hex'),
    };
  };
  return {
    modulusDecimal: value(/^DEFAULT_DH_MODULUS_DECIMAL = (\d+)$/m),
    modulusHex: value(/^DEFAULT_DH_MODULUS_HEX = ([0-9a-f]+)$/m),
    modulusBase64: value(/^DEFAULT_DH_MODULUS_BTWOC_BASE64 = (\S+)$/m),
    generatorBase64: value(/^DEFAULT_DH_GENERATOR = 2 ; BTWOC_BASE64 = (\S+)$/m),
    consumerPrivate: BigInt(value(/^consumer_private = (\d+)$/m)),
    serverPrivate: BigInt(value(/^server_private = (\d+)$/m)),
    sha1: session('DH-SHA1'),
    sha256: session('DH-SHA256'),
  };
}

describe('default group', () => {
  test('is the modulus and generator of the spec, in every encoding of the vectors', () => {
    const kav = readKnownAnswers();
    assert.equal(P, BigInt(kav.modulusDecimal));
    assert.equal(P.toString(16), kav.modulusHex);
    assert.equal(longToBase64(P), kav.modulusBase64);
    assert.equal(DEFAULT_DH_GENERATOR, 2n);
    assert.equal(longToBase64(DEFAULT_DH_GENERATOR), kav.generatorBase64);
  });

  test("is not Node's modp2 (RFC 2409 group 2), so it is built from the spec's prime and cached", () => {
    assert.notEqual(BigInt(`0x${getDiffieHellman('modp2').getPrime('hex')}`), P);
    assert.equal(getDhGroup(P, 2n), getDhGroup(P, 2n));
  });

  test('is a safe prime, which is what makes 256-bit private exponents sound', () => {
    assert.ok(checkPrimeSync(P));
    assert.ok(checkPrimeSync((P - 1n) / 2n));
    const group = getDhGroup(P, 2n);
    assert.equal(group.safePrime, true);
    for (let i = 0; i < 50; i += 1) {
      const x = group.randomPrivateKey();
      assert.ok(x >= 2n && x < 1n << 256n);
    }
  });

  test('uses a full-size private exponent for a prime that is not safe', () => {
    // 2^127 - 1 is prime, (2^127 - 2) / 2 is not.
    const group = getDhGroup((1n << 127n) - 1n, 3n);
    assert.equal(group.safePrime, false);
    const big = Array.from({ length: 20 }, () => group.randomPrivateKey()).some((x) => x >= 1n << 100n);
    assert.ok(big);
  });
});

describe('dhpriv vectors: public == 2^private mod p', () => {
  const lines = readVector('openid/test/dhpriv')
    .split('\n')
    .filter((l) => l !== '');
  test('the vector file has its 29 lines', () => {
    assert.equal(lines.length, 29);
  });
  lines.forEach((line, i) => {
    const [priv = '', pub = ''] = line.split(' ');
    test(`line ${i + 1}`, () => {
      const session = createConsumerSession('DH-SHA1', { privateKey: BigInt(priv) });
      assert.deepEqual(session.requestArgs(), { dh_consumer_public: longToBase64(BigInt(pub)) });
    });
  });
});

describe('DH-06 known-answer association sessions (the shared secret needs btwoc’s leading 0x00)', () => {
  const cases: Array<['DH-SHA1' | 'DH-SHA256', AssociationType]> = [
    ['DH-SHA1', 'HMAC-SHA1'],
    ['DH-SHA256', 'HMAC-SHA256'],
  ];
  for (const [sessionType, assocType] of cases) {
    test(`${sessionType}: consumer public, server public, shared secret and enc_mac_key match`, () => {
      const kav = readKnownAnswers();
      const v = sessionType === 'DH-SHA1' ? kav.sha1 : kav.sha256;
      const consumer = createConsumerSession(sessionType, { privateKey: kav.consumerPrivate });
      const request = consumer.requestArgs();
      assert.deepEqual(request, { dh_consumer_public: v.consumerPublic });

      const answer = answerDiffieHellman(sessionType, request, v.macKey, { privateKey: kav.serverPrivate });
      assert.deepEqual(answer, { dh_server_public: v.serverPublic, enc_mac_key: v.encMacKey });

      const shared = getDhGroup(P, 2n).sharedSecret(
        kav.consumerPrivate,
        BigInt(`0x${toHex(Buffer.from(v.serverPublic, 'base64'))}`),
      );
      // The leading 0x00 of this secret is the btwoc case that broke interop before (security case DH-06).
      assert.equal(toHex(btwoc(shared)), v.sharedBtwocHex);
      assert.equal(v.sharedBtwocHex.slice(0, 2), '00');
      const hash = createHash(sessionType === 'DH-SHA1' ? 'sha1' : 'sha256')
        .update(btwoc(shared))
        .digest();
      assert.equal(
        toHex(hash.map((b, i) => b ^ (v.macKey[i] ?? 0))),
        toHex(Buffer.from(v.encMacKey, 'base64')),
      );

      assert.equal(toHex(consumer.extractMacKey(answer, assocType)), toHex(v.macKey));
    });
  }
});

describe('consumer session', () => {
  test('sends only dh_consumer_public for the default group', () => {
    assert.deepEqual(Object.keys(createConsumerSession('DH-SHA256').requestArgs()), ['dh_consumer_public']);
  });

  test('sends dh_modulus and dh_gen for a custom group', () => {
    const args = createConsumerSession('DH-SHA256', { modulus: MODP14, generator: 2n }).requestArgs();
    assert.deepEqual(Object.keys(args).sort(), ['dh_consumer_public', 'dh_gen', 'dh_modulus']);
    assert.equal(args['dh_modulus'], longToBase64(MODP14));
    assert.equal(args['dh_gen'], 'Ag==');
  });

  test('keeps one key pair for the session', () => {
    const session = createConsumerSession('DH-SHA1');
    assert.deepEqual(session.requestArgs(), session.requestArgs());
  });

  test('uses a fresh key pair for each session', () => {
    assert.notEqual(
      createConsumerSession('DH-SHA1').requestArgs()['dh_consumer_public'],
      createConsumerSession('DH-SHA1').requestArgs()['dh_consumer_public'],
    );
  });

  const serverPublic = (args: Record<string, string>) => {
    const session = createConsumerSession('DH-SHA1');
    session.requestArgs();
    return () =>
      session.extractMacKey({ enc_mac_key: encodeBase64(new Uint8Array(20)), ...args }, 'HMAC-SHA1');
  };
  const genuine = longToBase64(getDhGroup(P, 2n).publicKey(12345n));
  // Security cases DH-01 and DH-02.
  const hostile: Array<[string, string]> = [
    ['0', longToBase64(0n)],
    ['1', longToBase64(1n)],
    ['p-1', longToBase64(P - 1n)],
    ['p', longToBase64(P)],
    ['p+1', longToBase64(P + 1n)],
    ['2^2048', longToBase64(1n << 2048n)],
    ['-1 (btwoc high bit)', '/w=='],
    ['negative p-2 (high bit set, no sign byte)', encodeBase64(btwoc(P - 2n).subarray(1))],
    ['the empty string', ''],
    ['non-canonical base64 (newline)', `${genuine.slice(0, 10)}\n${genuine.slice(10)}`],
    ['non-canonical base64 (garbage)', `${genuine.slice(0, 8)}!!!${genuine.slice(8)}`],
    ['URL-safe base64', genuine.replace(/\+/g, '-').replace(/\//g, '_')],
    ['missing padding', genuine.replace(/=+$/, '')],
  ];
  for (const [what, value] of hostile) {
    test(`rejects a dh_server_public of ${what}`, () => {
      assert.throws(serverPublic({ dh_server_public: value }), dhInvalid);
    });
  }
  test('accepts the genuine public value used above (so the rejections are about the value)', () => {
    assert.equal(serverPublic({ dh_server_public: genuine })().length, 20);
  });

  test('rejects missing response fields', () => {
    const session = createConsumerSession('DH-SHA256');
    assert.throws(
      () => session.extractMacKey({ enc_mac_key: encodeBase64(new Uint8Array(32)) }, 'HMAC-SHA256'),
      dhInvalid,
    );
    assert.throws(() => session.extractMacKey({ dh_server_public: genuine }, 'HMAC-SHA256'), dhInvalid);
  });

  // Security case DH-03: the encrypted key has the hash length exactly.
  const lengths: Array<[SessionType, AssociationType, number]> = [
    ['DH-SHA1', 'HMAC-SHA1', 19],
    ['DH-SHA1', 'HMAC-SHA1', 21],
    ['DH-SHA256', 'HMAC-SHA256', 31],
    ['DH-SHA256', 'HMAC-SHA256', 33],
    ['DH-SHA256', 'HMAC-SHA256', 0],
  ];
  for (const [sessionType, assocType, length] of lengths) {
    test(`rejects a ${length}-byte enc_mac_key in a ${sessionType} session`, () => {
      const session = createConsumerSession(sessionType);
      const response = { dh_server_public: genuine, enc_mac_key: encodeBase64(randomBytes(length)) };
      assert.throws(() => session.extractMacKey(response, assocType), dhInvalid);
    });
  }

  test('rejects a session type whose hash length does not fit the association type', () => {
    const session = createConsumerSession('DH-SHA1');
    const response = { dh_server_public: genuine, enc_mac_key: encodeBase64(randomBytes(20)) };
    assert.throws(() => session.extractMacKey(response, 'HMAC-SHA256'), dhInvalid);
  });

  test('no-encryption: sends nothing and reads mac_key of the right length only (security case DH-04)', () => {
    const session = createConsumerSession('no-encryption');
    assert.deepEqual(session.requestArgs(), {});
    const key = randomBytes(20);
    assert.equal(toHex(session.extractMacKey({ mac_key: encodeBase64(key) }, 'HMAC-SHA1')), toHex(key));
    for (const bad of [randomBytes(1), new Uint8Array(0), randomBytes(21)]) {
      assert.throws(() => session.extractMacKey({ mac_key: encodeBase64(bad) }, 'HMAC-SHA1'), dhInvalid);
    }
    assert.throws(() => session.extractMacKey({ mac_key: encodeBase64(key) }, 'HMAC-SHA256'), dhInvalid);
    assert.throws(() => session.extractMacKey({}, 'HMAC-SHA1'), dhInvalid);
    assert.throws(() => session.extractMacKey({ mac_key: `${encodeBase64(key)}\n` }, 'HMAC-SHA1'), dhInvalid);
  });

  test('refuses a private key outside [2, p-2]', () => {
    for (const privateKey of [0n, 1n, P - 1n, P]) {
      assert.throws(() => createConsumerSession('DH-SHA1', { privateKey }), dhInvalid);
    }
  });

  test('refuses an unknown session type', () => {
    assert.throws(
      () => createConsumerSession('DH-MD5' as SessionType),
      (e: unknown) => e instanceof ProtocolError && e.code === 'unsupported_session_type',
    );
  });
});

describe('provider answer', () => {
  const consumerPublic = longToBase64(getDhGroup(P, 2n).publicKey(987654321n));
  const mac20 = randomBytes(20);
  const answer =
    (args: Record<string, string | undefined>, options = {}) =>
    () =>
      answerDiffieHellman('DH-SHA1', args, mac20, options);

  // Security case DH-10.
  const hostile: Array<[string, string | undefined]> = [
    ['0', longToBase64(0n)],
    ['1', longToBase64(1n)],
    ['p-1', longToBase64(P - 1n)],
    ['p', longToBase64(P)],
    ['p+1', longToBase64(P + 1n)],
    ['2^4096', longToBase64(1n << 4096n)],
    ['-2 (btwoc high bit)', '/g=='],
    ['the empty string', ''],
    ['non-base64', 'not base64!'],
    ['non-canonical base64', `${consumerPublic}\n`],
    ['nothing (missing)', undefined],
  ];
  for (const [what, value] of hostile) {
    test(`rejects a dh_consumer_public of ${what}`, () => {
      assert.throws(answer({ dh_consumer_public: value }), dhInvalid);
    });
  }

  test('accepts the boundary values 2 and p-2', () => {
    assert.ok(answer({ dh_consumer_public: longToBase64(2n) })()['enc_mac_key']);
    assert.ok(answer({ dh_consumer_public: longToBase64(P - 2n) })()['enc_mac_key']);
  });

  test('uses a fresh private key for every answer (security case DH-12)', () => {
    const a = answer({ dh_consumer_public: consumerPublic })();
    const b = answer({ dh_consumer_public: consumerPublic })();
    assert.notEqual(a['dh_server_public'], b['dh_server_public']);
  });

  test('accepts the default group sent explicitly, even when custom groups are refused', () => {
    const args = { dh_consumer_public: consumerPublic, dh_modulus: longToBase64(P), dh_gen: 'Ag==' };
    assert.ok(answer(args, { allowCustomModulus: false })()['dh_server_public']);
  });

  test('refuses a custom group when allowCustomModulus is false', () => {
    const consumer = createConsumerSession('DH-SHA1', { modulus: MODP14, generator: 2n });
    assert.throws(answer(consumer.requestArgs(), { allowCustomModulus: false }), dhInvalid);
  });

  test('refuses dh_modulus without dh_gen and the reverse (security case DH-11)', () => {
    assert.throws(
      answer({ dh_consumer_public: consumerPublic, dh_modulus: longToBase64(MODP14) }),
      dhInvalid,
    );
    assert.throws(answer({ dh_consumer_public: consumerPublic, dh_gen: 'Ag==' }), dhInvalid);
  });

  const custom = (modulus: bigint, generator: bigint, options = {}) =>
    answer(
      {
        dh_consumer_public: longToBase64(2n),
        dh_modulus: longToBase64(modulus),
        dh_gen: longToBase64(generator),
      },
      options,
    );

  test('refuses a weak modulus (768 and 512 bits) unless allowWeakModulus (security case DH-07)', () => {
    assert.throws(custom(MODP1, 2n), dhInvalid);
    assert.throws(custom((1n << 511n) + 187n, 2n), dhInvalid);
    assert.throws(custom(23n, 5n), dhInvalid);
    assert.ok(custom(MODP1, 2n, { allowWeakModulus: true })()['enc_mac_key']);
  });

  test('refuses an even or composite modulus (security case DH-09)', () => {
    assert.throws(custom(MODP14 + 1n, 2n), dhInvalid);
    assert.throws(custom(P * 3n, 2n), dhInvalid);
    assert.throws(custom(MODP14 + 2n, 2n), dhInvalid);
    assert.throws(custom(0n, 2n), dhInvalid);
    assert.throws(custom(-P, 2n), dhInvalid);
  });

  test('refuses a generator outside [2, p-2] (security case DH-09)', () => {
    for (const g of [0n, 1n, MODP14 - 1n, MODP14, MODP14 + 5n, -2n]) {
      assert.throws(custom(MODP14, g), dhInvalid, String(g));
    }
  });

  test('refuses a modulus above 2048 bits unless maxModulusBits allows it (security case DH-08)', () => {
    const modp16 = BigInt(`0x${getDiffieHellman('modp16').getPrime('hex')}`);
    assert.throws(custom(modp16, 2n), dhInvalid);
    assert.throws(custom((1n << 16384n) + 1n, 2n), dhInvalid);
    assert.ok(custom(modp16, 2n, { maxModulusBits: 4096 })()['enc_mac_key']);
  });

  test('refuses a MAC key whose length is not the hash length', () => {
    const args = { dh_consumer_public: consumerPublic };
    assert.throws(() => answerDiffieHellman('DH-SHA1', args, randomBytes(32)), dhInvalid);
    assert.throws(() => answerDiffieHellman('DH-SHA256', args, randomBytes(20)), dhInvalid);
  });

  test('no-encryption answers the MAC key in the clear', () => {
    const key = randomBytes(32);
    assert.deepEqual(answerDiffieHellman('no-encryption', {}, key), { mac_key: key.toString('base64') });
  });
});

describe('consumer and provider agree', () => {
  const pairs: Array<[SessionType, AssociationType, number]> = [
    ['DH-SHA1', 'HMAC-SHA1', 20],
    ['DH-SHA256', 'HMAC-SHA256', 32],
  ];
  for (const [sessionType, assocType, length] of pairs) {
    test(`${sessionType}: random keys in the default group give the provider's MAC key`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: length, maxLength: length }), (macKey) => {
          const consumer = createConsumerSession(sessionType);
          const response = answerDiffieHellman(sessionType, consumer.requestArgs(), macKey);
          assert.deepEqual(consumer.extractMacKey(response, assocType), macKey);
        }),
        { numRuns: 20 },
      );
    });

    test(`${sessionType}: random keys in a custom 2048-bit group give the provider's MAC key`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: length, maxLength: length }), (macKey) => {
          const consumer = createConsumerSession(sessionType, { modulus: MODP14, generator: 2n });
          const response = answerDiffieHellman(sessionType, consumer.requestArgs(), macKey);
          assert.deepEqual(consumer.extractMacKey(response, assocType), macKey);
        }),
        { numRuns: 5 },
      );
    });
  }

  test('no-encryption round trip', () => {
    const key = randomBytes(32);
    const consumer = createConsumerSession('no-encryption');
    assert.deepEqual(
      consumer.extractMacKey(
        answerDiffieHellman('no-encryption', consumer.requestArgs(), key),
        'HMAC-SHA256',
      ),
      Uint8Array.from(key),
    );
  });
});
