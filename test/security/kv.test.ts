/**
 * Security cases KV-01 … KV-08 (docs/security-cases.md §14): key-value
 * form and encodings. A value that would smuggle a line into signed text, a
 * direct answer that is not strictly `key:value\n`, base64 or btwoc that
 * only a lenient decoder would read, and bytes that are not UTF-8.
 * Relying-party cases read direct answers from a hostile endpoint over real
 * HTTP; provider cases go to this package's Provider over HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { associate, SessionNegotiator } from '../../src/associations/negotiation.js';
import { SRegResponse } from '../../src/extensions/sreg.js';
import { OPENID2_NS } from '../../src/protocol/constants.js';
import { DEFAULT_DH_MODULUS } from '../../src/protocol/dh.js';
import { encodeBase64 } from '../../src/protocol/encoding.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import type { CompleteResult } from '../../src/rp/result.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import {
  type HostileOP,
  honestAssociateFields,
  kv,
  loginThroughHostile,
  loopbackFetcher,
  rawKv,
  startHostileOP,
} from './hostile-op.js';
import { checkidFields, kvAnswer, opGet, opPost, redirectFields } from './op-wire.js';

const RETURN = 'http://rp.example/return?sid=1';

function makeRp(store: MemoryStore | null = null): RelyingParty {
  return new RelyingParty({
    realm: 'http://rp.example/',
    returnTo: RETURN,
    secret: 'k'.repeat(40),
    store,
    fetch: { allowPrivateNetworks: true },
  });
}

function failureCode(r: CompleteResult): string {
  assert.equal(r.status, 'failure', JSON.stringify(r).slice(0, 300));
  return (r as { code: string }).code;
}

describe('KV: the provider refuses to sign a value that would add a line', () => {
  let ps: ProviderServer;
  before(async () => {
    ps = await startProviderServer();
  });
  after(() => ps.close());

  test('KV-01 a return_to carrying %0A + "claimed_id:" is refused before anything is signed', async () => {
    const a = await opGet(
      ps,
      checkidFields(ps, {
        'openid.return_to': `https://rp.example/return?x=1\nclaimed_id:${ps.base}/id/victim`,
      }),
    );
    assert.equal(a.status, 400);
    assert.equal(a.location, null);
  });

  test('KV-01 an SReg value with a newline (from the app) gives an error answer, never a signature', async () => {
    ps.decision = (request, base) =>
      request.answer(true).addExtension(new SRegResponse({ nickname: `x\nclaimed_id:${base}/id/victim` }));
    try {
      const back = redirectFields(await opGet(ps, checkidFields(ps)));
      assert.equal(back.get(OPENID_NS, 'mode'), 'error');
      assert.equal(back.get(OPENID_NS, 'sig'), undefined);
      assert.equal(back.get(OPENID_NS, 'claimed_id'), undefined);
    } finally {
      ps.decision = 'allow';
    }
  });

  test('KV-01 a check_authentication whose field holds a newline is a 400, not is_valid:true', async () => {
    const a = await opPost(ps, {
      'openid.ns': OPENID2_NS,
      'openid.mode': 'check_authentication',
      'openid.assoc_handle': 'h',
      'openid.signed': 'identity',
      'openid.identity': 'a\nis_valid:true',
      'openid.sig': 'AAAA',
    });
    assert.equal(a.status, 400);
    assert.notEqual(kvAnswer(a).get(OPENID_NS, 'is_valid'), 'true');
  });
});

describe('KV: the relying party reads indirect and direct messages strictly', () => {
  let ps: ProviderServer;
  let op: HostileOP;
  before(async () => {
    ps = await startProviderServer();
    op = await startHostileOP(() => ({ body: kv({ ns: OPENID2_NS, is_valid: 'true' }) }));
  });
  after(async () => {
    await ps.close();
    await op.close();
  });

  /** A genuine login at the real Provider, then `edit` on the URL the browser brings back. */
  async function tampered(edit: (u: URL) => void): Promise<CompleteResult> {
    const rp = makeRp(new MemoryStore());
    const auth = await rp.begin(`${ps.base}/id/alice`);
    const u = new URL((await browse(auth.redirectUrl)).url);
    edit(u);
    return rp.complete(u.toString(), { state: auth.state });
  }

  test('KV-02 a signed value containing a newline is malformed_message', async () => {
    const r = await tampered((u) =>
      u.searchParams.set('openid.identity', `${u.searchParams.get('openid.identity')}\nclaimed_id:x`),
    );
    assert.equal(failureCode(r), 'malformed_message');
  });

  test("KV-02 an openid key containing ':' is malformed_message", async () => {
    const r = await tampered((u) => u.searchParams.set('openid.sreg:x', 'y'));
    assert.equal(failureCode(r), 'malformed_message');
  });

  test('KV-03 control: a strict is_valid:true answer is believed', async () => {
    op.handler = () => ({ body: 'ns:http://specs.openid.net/auth/2.0\nis_valid:true\n' });
    const r = await loginThroughHostile(makeRp(), op);
    assert.equal(r.status, 'success', JSON.stringify(r).slice(0, 300));
  });

  test('KV-03 a direct answer with is_valid twice (false, then true) is check_auth_failed', async () => {
    op.handler = () => ({ body: 'ns:http://specs.openid.net/auth/2.0\nis_valid:false\nis_valid:true\n' });
    assert.equal(failureCode(await loginThroughHostile(makeRp(), op)), 'check_auth_failed');
  });

  for (const [what, body] of [
    ['spaces around the colon', 'ns:http://specs.openid.net/auth/2.0\nis_valid : true\n'],
    ['a trailing CR', 'ns:http://specs.openid.net/auth/2.0\r\nis_valid:true\r\n'],
    ['an upper-case key', 'ns:http://specs.openid.net/auth/2.0\nIS_VALID:true\n'],
    ['a BOM before the key', 'ns:http://specs.openid.net/auth/2.0\n\ufeffis_valid:true\n'],
    ['a value with a trailing space', 'ns:http://specs.openid.net/auth/2.0\nis_valid:true \n'],
    ['"TRUE"', 'ns:http://specs.openid.net/auth/2.0\nis_valid:TRUE\n'],
  ] as const) {
    test(`KV-04 is_valid with ${what} is not true: check_auth_failed`, async () => {
      op.handler = () => ({ body });
      assert.equal(failureCode(await loginThroughHostile(makeRp(), op)), 'check_auth_failed');
    });
  }

  for (const [what, body] of [
    ['10 MB', `ns:${OPENID2_NS}\nis_valid:true\npad:${'x'.repeat(10 * 1024 * 1024)}\n`],
    ['no newline at all', `ns:${OPENID2_NS}is_valid:true`],
    ['no final newline', `ns:${OPENID2_NS}\nis_valid:true`],
  ] as const) {
    test(`KV-05 a direct answer of ${what} is check_auth_failed`, async () => {
      op.handler = () => ({ body });
      assert.equal(failureCode(await loginThroughHostile(makeRp(), op)), 'check_auth_failed');
    });
  }

  test('KV-05 a direct answer that is not UTF-8 is check_auth_failed', async () => {
    const server = await startHostileOP(() => ({ body: '' }));
    // Raw bytes: the hostile endpoint writes strings, so send the invalid byte through a custom body.
    server.server.removeAllListeners('request');
    server.server.on('request', (req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(
          Buffer.concat([
            Buffer.from(`ns:${OPENID2_NS}\nis_valid:true\nx:`),
            Buffer.from([0xc0, 0xaf, 0x0a]),
          ]),
        );
      });
    });
    try {
      assert.equal(failureCode(await loginThroughHostile(makeRp(), server)), 'check_auth_failed');
    } finally {
      await server.close();
    }
  });

  for (const [what, encoded] of [
    ['%00', '%00'],
    ['an overlong UTF-8 "/" (%C0%AF)', '%C0%AF'],
    ['an encoded lone surrogate (%ED%A0%80)', '%ED%A0%80'],
    ['a truncated sequence (%E2%82)', '%E2%82'],
  ] as const) {
    test(`KV-08 an indirect message with ${what} in an openid value is malformed_message`, async () => {
      const r = await tampered((u) => {
        u.search = `${u.search}&openid.ext=a${encoded}b`;
      });
      assert.equal(failureCode(r), 'malformed_message');
    });
  }
});

describe('KV: base64 and btwoc in associate answers (hostile endpoint over HTTP)', () => {
  let op: HostileOP;
  before(async () => {
    op = await startHostileOP((f) => ({ body: kv(honestAssociateFields(f).fields) }));
  });
  after(() => op.close());

  const run = (sessionType: 'DH-SHA256' | 'no-encryption') =>
    associate(op.endpoint, '2.0', {
      fetcher: loopbackFetcher,
      negotiator: new SessionNegotiator([{ assocType: 'HMAC-SHA256', sessionType }]),
    });

  /** Re-encode a canonical base64 field in a lenient-only spelling. */
  const SPELLINGS: readonly [string, (b64: string) => string][] = [
    ['a leading space', (b) => ` ${b}`],
    ['an embedded tab', (b) => `${b.slice(0, 8)}\t${b.slice(8)}`],
    ['URL-safe characters', (b) => b.replace(/\+/g, '-').replace(/\//g, '_').replace(/^./, '-')],
    ['missing padding', (b) => (b.endsWith('=') ? b.replace(/=+$/, '') : b.slice(0, -1))],
    ['garbage Node would skip', (b) => `${b.slice(0, 4)}!!!${b.slice(4)}`],
  ];

  for (const field of ['enc_mac_key', 'dh_server_public'] as const) {
    for (const [what, spell] of SPELLINGS) {
      test(`KV-06 refuses ${field} with ${what}`, async () => {
        op.handler = (f) => {
          const { fields } = honestAssociateFields(f);
          return { body: rawKv({ ...fields, [field]: spell(fields[field] as string) }) };
        };
        const r = await run('DH-SHA256');
        assert.equal(r.association, null);
        assert.equal(r.error?.code, 'assoc_response_invalid');
      });
    }
  }

  test('KV-07 a dh_server_public with a redundant leading 0x00 is read as the same number (tolerated consistently)', async () => {
    op.handler = (f) => {
      const { fields } = honestAssociateFields(f);
      const bytes = Buffer.from(fields['dh_server_public'] as string, 'base64');
      return {
        body: kv({ ...fields, dh_server_public: encodeBase64(Buffer.concat([Buffer.from([0]), bytes])) }),
      };
    };
    const r = await run('DH-SHA256');
    assert.ok(r.association, JSON.stringify(r.error));
  });

  test('KV-07 a negative dh_server_public (top bit set, no 0x00) is refused', async () => {
    op.handler = (f) => {
      const { fields } = honestAssociateFields(f);
      const bytes = Buffer.from(fields['dh_server_public'] as string, 'base64');
      const unsigned = bytes[0] === 0 ? bytes.subarray(1) : bytes;
      const negative = Buffer.from(unsigned);
      negative[0] = (negative[0] as number) | 0x80;
      return { body: kv({ ...fields, dh_server_public: encodeBase64(negative) }) };
    };
    const r = await run('DH-SHA256');
    assert.equal(r.association, null);
    assert.equal(r.error?.code, 'assoc_response_invalid');
  });
});

describe('KV: btwoc and base64 at the provider (Provider over HTTP)', () => {
  let ps: ProviderServer;
  before(async () => {
    ps = await startProviderServer();
  });
  after(() => ps.close());

  const associateWith = (publicKey: string) =>
    opPost(ps, {
      'openid.ns': OPENID2_NS,
      'openid.mode': 'associate',
      'openid.assoc_type': 'HMAC-SHA256',
      'openid.session_type': 'DH-SHA256',
      'openid.dh_consumer_public': publicKey,
    });

  test('KV-07 a negative dh_consumer_public is a 400 with no association', async () => {
    // p - 5 with its sign byte dropped reads as a negative number.
    const hex = (DEFAULT_DH_MODULUS - 5n).toString(16);
    const a = await associateWith(Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex').toString('base64'));
    assert.equal(a.status, 400);
    const m = kvAnswer(a);
    assert.equal(m.get(OPENID_NS, 'mode'), 'error');
    assert.equal(m.get(OPENID_NS, 'assoc_handle'), undefined);
  });

  for (const [what, value] of [
    ['URL-safe base64', '-_-_'],
    ['missing padding', 'AQI'],
    ['garbage', 'QUJD!!!RA=='],
  ] as const) {
    test(`KV-06 a dh_consumer_public in ${what} is a 400 with no association`, async () => {
      const a = await associateWith(value);
      assert.equal(a.status, 400);
      assert.equal(Message.fromKVForm(a.body).get(OPENID_NS, 'assoc_handle'), undefined);
    });
  }

  test('KV-08 a checkid with an overlong UTF-8 sequence in the identity is refused, not answered', async () => {
    const url = new URL(ps.endpoint);
    for (const [k, v] of Object.entries(checkidFields(ps))) url.searchParams.set(k, v);
    const res = await fetch(`${url.toString()}&openid.ext=%C0%AF`, { redirect: 'manual' });
    await res.text();
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
  });
});
