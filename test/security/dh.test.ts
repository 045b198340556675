/**
 * Security cases DH-01 … DH-13 (docs/security-cases.md §13) on the wire.
 * The arithmetic rules have unit tests in test/protocol/dh.test.ts (DH-01 …
 * DH-12 there); here the same attacks travel over real HTTP on 127.0.0.1:
 * a hostile provider answers the relying party's associate requests, and
 * hostile associate requests reach this package's Provider.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { type AssociationPair, associate, SessionNegotiator } from '../../src/associations/negotiation.js';
import { OPENID2_NS } from '../../src/protocol/constants.js';
import { createConsumerSession, DEFAULT_DH_MODULUS } from '../../src/protocol/dh.js';
import { encodeBase64, longToBase64 } from '../../src/protocol/encoding.js';
import { OPENID_NS } from '../../src/protocol/message.js';
import { type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import { type HostileOP, honestAssociateFields, kv, loopbackFetcher, startHostileOP } from './hostile-op.js';
import { kvAnswer, opPost } from './op-wire.js';

const P = DEFAULT_DH_MODULUS;

describe('DH: associate answers the relying party refuses (hostile provider over HTTP)', () => {
  let op: HostileOP;
  before(async () => {
    op = await startHostileOP((f) => ({ body: kv(honestAssociateFields(f).fields) }));
  });
  after(() => op.close());

  const run = (pair: AssociationPair, version: '2.0' | '1.1' = '2.0') =>
    associate(op.endpoint, version, {
      fetcher: loopbackFetcher,
      negotiator: new SessionNegotiator([pair]),
      pair,
    });
  const SHA256: AssociationPair = { assocType: 'HMAC-SHA256', sessionType: 'DH-SHA256' };
  const SHA1: AssociationPair = { assocType: 'HMAC-SHA1', sessionType: 'DH-SHA1' };

  async function refused(
    pair: AssociationPair,
    bend: (fields: Record<string, string>) => Record<string, string>,
  ) {
    op.handler = (f) => ({ body: kv(bend(honestAssociateFields(f).fields)) });
    const r = await run(pair);
    assert.equal(r.association, null, 'no association');
    assert.equal(r.error?.code, 'assoc_response_invalid');
  }

  describe('DH-01 and DH-02: a dh_server_public outside 2..p-2 is refused', () => {
    for (const [id, what, value] of [
      ['DH-01', '0', 0n],
      ['DH-01', '1', 1n],
      ['DH-02', 'p-1', P - 1n],
      ['DH-02', 'p', P],
      ['DH-02', 'p+1', P + 1n],
      ['DH-02', '2^2048', 1n << 2048n],
    ] as const) {
      test(`${id} refuses a dh_server_public of ${what}`, () =>
        refused(SHA256, (f) => ({ ...f, dh_server_public: longToBase64(value) })));
    }
  });

  for (const [pair, lengths] of [
    [SHA1, [19, 21]],
    [SHA256, [31, 33]],
  ] as const) {
    for (const length of lengths) {
      test(`DH-03 refuses an enc_mac_key of ${length} bytes in a ${pair.sessionType} session`, () =>
        refused(pair, (f) => ({ ...f, enc_mac_key: encodeBase64(Buffer.alloc(length, 7)) })));
    }
  }

  for (const [what, key, pair] of [
    ['1-byte', Buffer.alloc(1, 1), { assocType: 'HMAC-SHA256', sessionType: 'no-encryption' }],
    [
      '20-byte (for HMAC-SHA256)',
      Buffer.alloc(20, 1),
      { assocType: 'HMAC-SHA256', sessionType: 'no-encryption' },
    ],
    [
      '32-byte (for HMAC-SHA1)',
      Buffer.alloc(32, 1),
      { assocType: 'HMAC-SHA1', sessionType: 'no-encryption' },
    ],
  ] as const) {
    test(`DH-04 refuses a ${what} no-encryption mac_key`, () =>
      refused(pair, (f) => {
        const { dh_server_public: _p, enc_mac_key: _e, ...rest } = f;
        return { ...rest, session_type: 'no-encryption', mac_key: encodeBase64(key) };
      }));
  }

  test('DH-04 refuses an empty no-encryption mac_key', () =>
    refused({ assocType: 'HMAC-SHA256', sessionType: 'no-encryption' }, (f) => {
      const { dh_server_public: _p, enc_mac_key: _e, ...rest } = f;
      return { ...rest, session_type: 'no-encryption', mac_key: '' };
    }));

  test('DH-05 an OpenID 1 provider answering a DH request with a plaintext mac_key over http is refused (no downgrade)', async () => {
    op.handler = (f) => {
      const { fields, secret } = honestAssociateFields(f);
      return {
        body: kv({
          assoc_handle: fields['assoc_handle'] as string,
          assoc_type: 'HMAC-SHA1',
          expires_in: '3600',
          mac_key: encodeBase64(secret),
        }),
      };
    };
    const r = await run(SHA1, '1.1');
    assert.equal(r.association, null);
    assert.equal(r.error?.code, 'assoc_response_invalid');
    assert.equal(op.requests.at(-1)?.['session_type'], 'DH-SHA1', 'the RP asked for DH');
  });

  test('DH-05 a DH-SHA1 answer carrying mac_key instead of enc_mac_key is refused', () =>
    refused(SHA1, (f) => {
      const { enc_mac_key: _e, ...rest } = f;
      return { ...rest, mac_key: encodeBase64(Buffer.alloc(20, 3)) };
    }));
});

describe('DH: hostile associate requests at the provider (Provider over HTTP)', () => {
  let ps: ProviderServer;
  before(async () => {
    ps = await startProviderServer();
  });
  after(() => ps.close());

  const associateWith = (extra: Record<string, string>) =>
    opPost(ps, {
      'openid.ns': OPENID2_NS,
      'openid.mode': 'associate',
      'openid.assoc_type': 'HMAC-SHA1',
      'openid.session_type': 'DH-SHA1',
      ...extra,
    });

  async function refusedAtOp(extra: Record<string, string>): Promise<void> {
    const a = await associateWith(extra);
    assert.equal(a.status, 400, a.body);
    const m = kvAnswer(a);
    assert.equal(m.get(OPENID_NS, 'mode'), 'error');
    assert.equal(m.get(OPENID_NS, 'assoc_handle'), undefined);
    assert.equal(m.get(OPENID_NS, 'enc_mac_key'), undefined);
  }

  const goodPublic = (modulus = P, gen = 2n) => longToBase64(gen ** 5n % modulus);
  const prime521 = (1n << 521n) - 1n; // a Mersenne prime: real, but far too small

  test('DH-07 refuses tiny moduli (23, 64-bit, a 521-bit prime)', async () => {
    for (const modulus of [23n, (1n << 61n) - 1n, prime521]) {
      await refusedAtOp({
        'openid.dh_modulus': longToBase64(modulus),
        'openid.dh_gen': longToBase64(2n),
        'openid.dh_consumer_public': goodPublic(modulus),
      });
    }
  });

  test('DH-08 refuses a 16384-bit modulus without doing the exponentiation, repeatedly', async () => {
    const huge = (1n << 16384n) - 1n;
    for (let i = 0; i < 5; i++) {
      await refusedAtOp({
        'openid.dh_modulus': longToBase64(huge),
        'openid.dh_gen': longToBase64(2n),
        'openid.dh_consumer_public': longToBase64(12345n),
      });
    }
  });

  test('DH-09 refuses an even or composite modulus and a generator of 0, 1, p-1 or >= p', async () => {
    const even = P + 1n;
    const composite = P * 3n;
    for (const modulus of [even, composite]) {
      await refusedAtOp({
        'openid.dh_modulus': longToBase64(modulus),
        'openid.dh_gen': longToBase64(2n),
        'openid.dh_consumer_public': goodPublic(),
      });
    }
    for (const gen of [0n, 1n, P - 1n, P, P + 2n]) {
      await refusedAtOp({
        'openid.dh_modulus': longToBase64(P),
        'openid.dh_gen': longToBase64(gen),
        'openid.dh_consumer_public': goodPublic(),
      });
    }
  });

  for (const [what, value] of [
    ['0', longToBase64(0n)],
    ['1', longToBase64(1n)],
    ['p-1', longToBase64(P - 1n)],
    ['p', longToBase64(P)],
    ['p+7', longToBase64(P + 7n)],
    ['empty', ''],
    ['not base64', 'not base64!'],
  ] as const) {
    test(`DH-10 refuses a dh_consumer_public of ${what}`, () =>
      refusedAtOp({ 'openid.dh_consumer_public': value }));
  }

  test('DH-10 refuses an associate with no dh_consumer_public at all', () => refusedAtOp({}));

  test('DH-11 refuses dh_modulus without dh_gen, and dh_gen without dh_modulus', async () => {
    await refusedAtOp({ 'openid.dh_modulus': longToBase64(P), 'openid.dh_consumer_public': goodPublic() });
    await refusedAtOp({ 'openid.dh_gen': longToBase64(2n), 'openid.dh_consumer_public': goodPublic() });
  });

  test('DH-12 answers the same consumer public with a different server public every time', async () => {
    const consumer = goodPublic();
    const seen = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const a = await associateWith({ 'openid.dh_consumer_public': consumer });
      assert.equal(a.status, 200, a.body);
      seen.add(kvAnswer(a).get(OPENID_NS, 'dh_server_public') as string);
    }
    assert.equal(seen.size, 5);
  });

  test('DH-13 associate cost at the provider, default group (measured, reported, not asserted)', async (t) => {
    const rounds = 20;
    const started = performance.now();
    for (let i = 0; i < rounds; i++) {
      const session = createConsumerSession('DH-SHA256');
      const a = await opPost(ps, {
        'openid.ns': OPENID2_NS,
        'openid.mode': 'associate',
        'openid.assoc_type': 'HMAC-SHA256',
        'openid.session_type': 'DH-SHA256',
        'openid.dh_consumer_public': session.requestArgs()['dh_consumer_public'] as string,
      });
      assert.equal(a.status, 200);
      assert.equal(session.extractMacKey(kvAnswer(a).toOpenIDArgs(), 'HMAC-SHA256').length, 32);
    }
    const perRound = (performance.now() - started) / rounds;
    t.diagnostic(`DH-SHA256 associate over HTTP incl. client DH: ${perRound.toFixed(1)} ms per exchange`);
  });
});
