/**
 * Spec §11.4 (src/rp/rules/signature.ts): a held association's HMAC, else
 * check_authentication to the verified endpoint — with a scripted fetcher.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { FetchRequest, FetchResponse } from '../../../src/discovery/fetcher.js';
import { Association } from '../../../src/protocol/association.js';
import { FetchError } from '../../../src/protocol/errors.js';
import { type Message, OPENID_NS } from '../../../src/protocol/message.js';
import { signMessage } from '../../../src/protocol/signature.js';
import { verifySignature } from '../../../src/rp/rules/signature.js';
import { TestStore } from '../../helpers/fake-op.js';
import { endpoint, idRes2, msg, OP, outcome } from './fixtures.js';

const NOW = 1_800_000_000;
const assoc = new Association({
  handle: 'h1',
  secret: new Uint8Array(32).fill(7),
  issued: NOW - 100,
  lifetime: 3600,
  assocType: 'HMAC-SHA256',
});
const SIGNED = ['op_endpoint', 'claimed_id', 'identity', 'return_to', 'response_nonce', 'assoc_handle'];
/** `openid.signed` of those assertions as the field rules parse it (signMessage adds `signed`). */
const LISTED = [...SIGNED, 'signed'];

/** An assertion signed with `assoc`, as the provider would send it. */
function signed(extra: Record<string, string> = {}): Message {
  return signMessage(msg(idRes2(extra, ['assoc_handle', 'signed', 'sig'])), assoc, { signedKeys: SIGNED });
}

function kv(url: string, status: number, text: string): FetchResponse {
  return { url, status, headers: new Headers(), body: new TextEncoder().encode(text), text: () => text };
}

/** A fetcher answering every request with `answer`, recording what it was sent. */
function provider(answer: (url: string) => FetchResponse | Promise<FetchResponse>) {
  const sent: { url: string; init: FetchRequest | undefined }[] = [];
  const fetcher = async (url: string, init?: FetchRequest) => {
    sent.push({ url, init });
    return answer(url);
  };
  return { sent, fetcher };
}

async function storeWith(a: Association | null): Promise<TestStore> {
  const store = new TestStore(() => NOW);
  if (a) await store.storeAssociation(OP, a);
  return store;
}

const valid = provider((url) => kv(url, 200, 'ns:http://specs.openid.net/auth/2.0\nis_valid:true\n'));

describe('verifySignature with a held association', () => {
  test('a good signature: verified by association, nothing fetched', async () => {
    const p = provider((url) => kv(url, 500, ''));
    const v = await verifySignature(signed(), endpoint(), 'h1', LISTED, {
      store: await storeWith(assoc),
      fetcher: p.fetcher,
      now: () => NOW,
    });
    assert.deepEqual(v, { ok: true, value: 'association' });
    assert.equal(p.sent.length, 0);
  });
  test('a tampered signed field: bad_signature', async () => {
    const m = signed();
    m.set(OPENID_NS, 'return_to', 'https://rp.example/return?sid=T');
    const v = await verifySignature(m, endpoint(), 'h1', LISTED, {
      store: await storeWith(assoc),
      fetcher: valid.fetcher,
      now: () => NOW,
    });
    assert.equal(outcome(v), 'bad_signature');
  });
  test('the association is looked up for the verified endpoint, not op_endpoint', async () => {
    // Held for OP only; the verified endpoint is another: it must ask that endpoint instead.
    const p = provider((url) => kv(url, 200, 'is_valid:true\n'));
    const other = endpoint({ opEndpoint: 'https://op2.example/server' });
    const v = await verifySignature(signed(), other, 'h1', LISTED, {
      store: await storeWith(assoc),
      fetcher: p.fetcher,
      now: () => NOW,
    });
    assert.deepEqual(v, { ok: true, value: 'check_authentication' });
    assert.equal(p.sent[0]?.url, 'https://op2.example/server');
  });
  test('an expired association is not used: check_authentication instead', async () => {
    const p = provider((url) => kv(url, 200, 'is_valid:true\n'));
    const store = await storeWith(assoc);
    const v = await verifySignature(signed(), endpoint(), 'h1', LISTED, {
      store,
      fetcher: p.fetcher,
      now: () => NOW + 4000,
    });
    assert.deepEqual(v, { ok: true, value: 'check_authentication' });
    assert.equal(p.sent.length, 1);
  });
  test('a store that fails is passed over: check_authentication', async () => {
    const store = await storeWith(assoc);
    store.down = true;
    const p = provider((url) => kv(url, 200, 'is_valid:true\n'));
    assert.deepEqual(
      await verifySignature(signed(), endpoint(), 'h1', LISTED, {
        store,
        fetcher: p.fetcher,
        now: () => NOW,
      }),
      {
        ok: true,
        value: 'check_authentication',
      },
    );
  });
});

describe('verifySignature by check_authentication', () => {
  const opts = (
    fetcher: (url: string, init?: FetchRequest) => Promise<FetchResponse>,
    store: TestStore | null = null,
  ) => ({
    store,
    fetcher,
    now: () => NOW,
  });
  test('is_valid:true: verified by check_authentication', async () => {
    const p = provider((url) => kv(url, 200, 'is_valid:true\n'));
    assert.deepEqual(await verifySignature(signed(), endpoint(), 'h1', LISTED, opts(p.fetcher)), {
      ok: true,
      value: 'check_authentication',
    });
  });
  test('the request: a POST to the verified endpoint, mode check_authentication, the openid.* fields', async () => {
    const p = provider((url) => kv(url, 200, 'is_valid:true\n'));
    const m = signed();
    await verifySignature(m, endpoint(), 'h1', LISTED, opts(p.fetcher));
    const body = p.sent[0]?.init?.body;
    assert.equal(p.sent[0]?.url, OP);
    assert.equal(p.sent[0]?.init?.method, 'POST');
    assert.ok(body instanceof URLSearchParams);
    assert.equal(body.get('openid.mode'), 'check_authentication');
    assert.equal(body.get('openid.sig'), m.getWire('openid.sig'));
    assert.equal(
      body.get('openid.return_to'),
      'https://rp.example/return?sid=S&openid2.rp_nonce=2026-12-06T16%3A00%3A00Zabc',
    );
  });
  const refused: [string, (url: string) => FetchResponse, string][] = [
    ['is_valid:false', (url) => kv(url, 200, 'is_valid:false\n'), 'check_auth_failed'],
    ['no is_valid', (url) => kv(url, 200, 'ns:http://specs.openid.net/auth/2.0\n'), 'check_auth_failed'],
    ['is_valid:TRUE (not the literal true)', (url) => kv(url, 200, 'is_valid:TRUE\n'), 'check_auth_failed'],
    ['is_valid:true with HTTP 400', (url) => kv(url, 400, 'is_valid:true\n'), 'check_auth_failed'],
    ['an answer that is not key-value form', (url) => kv(url, 200, '<html>ok</html>'), 'check_auth_failed'],
    [
      'an answer redirected elsewhere (CA-04)',
      () => kv('https://evil.example/', 200, 'is_valid:true\n'),
      'check_auth_failed',
    ],
  ];
  for (const [name, answer, code] of refused) {
    test(`${name}: ${code}`, async () => {
      assert.equal(
        outcome(await verifySignature(signed(), endpoint(), 'h1', LISTED, opts(provider(answer).fetcher))),
        code,
      );
    });
  }
  test('a plain-http endpoint the fetcher refuses: insecure_transport (CA-09)', async () => {
    const refusing = async () => {
      throw new FetchError('insecure_transport', 'http is not allowed');
    };
    assert.equal(
      outcome(await verifySignature(signed(), endpoint(), 'h1', LISTED, opts(refusing))),
      'insecure_transport',
    );
  });
  test('a fetch that fails otherwise: check_auth_failed', async () => {
    const failing = async () => {
      throw new FetchError('fetch_failed', 'connection refused');
    };
    const v = await verifySignature(signed(), endpoint(), 'h1', LISTED, opts(failing));
    assert.equal(outcome(v), 'check_auth_failed');
    assert.match(v.ok ? '' : v.message, /^check_authentication failed: /);
  });
  test('a fetcher bug propagates (the fail-closed wrapper answers it)', async () => {
    const broken = async () => {
      throw new RangeError('bug');
    };
    await assert.rejects(verifySignature(signed(), endpoint(), 'h1', LISTED, opts(broken)), {
      name: 'RangeError',
      message: 'bug',
    });
  });
  test('invalidate_handle removes that association from the store', async () => {
    const store = await storeWith(assoc);
    const p = provider((url) => kv(url, 200, 'is_valid:true\ninvalidate_handle:h1\n'));
    // An unknown handle in the message, so the held one is not used; the provider invalidates h1.
    await verifySignature(signed(), endpoint(), 'unknown', LISTED, opts(p.fetcher, store));
    assert.equal(await store.getAssociation(OP, 'h1'), null);
  });
});
