/**
 * Security cases SS-01 … SS-18 (docs/security-cases.md §16) through the
 * relying party's front door, with its default (guarded) fetcher. The
 * fetcher's own rules have tests in test/discovery/ (SS-01, 02, 04-14, 17,
 * 18: ssrf-guard, fetcher, discover-hostile, address-policy); here every
 * attack arrives as a user identifier or a forged callback, and local
 * servers on 127.0.0.1 stand for the internal services that must never be
 * reached. Hosts the test lets through are named (`*.test`) and resolved by
 * an injected lookup, so nothing else is loosened.
 */
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { after, before, describe, test } from 'node:test';
import { OpenIDError } from '../../src/protocol/errors.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { makeNonce } from '../../src/protocol/nonce.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import type { CompleteResult } from '../../src/rp/result.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { startServer, type TestServer } from '../discovery/helpers/server.js';

const RETURN = 'http://rp.example/return?sid=1';

/** An internal service: any request it sees is a failed test. */
let internal: TestServer;
/** An attacker's public site (evil.test → 127.0.0.1, allowed by name only). */
let evil: TestServer;
/** What evil.test serves at /id: an identity page naming `provider`. */
let evilProvider = '';

before(async () => {
  internal = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('internal secret\n');
  });
  evil = await startServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    if (req.method === 'POST') {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ns:http://specs.openid.net/auth/2.0\nis_valid:true\n');
      return;
    }
    if (path.startsWith('/id')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html><head><link rel="openid2.provider" href="${evilProvider}"></head></html>`);
      return;
    }
    res.writeHead(404).end();
  });
});
after(async () => {
  await internal.close();
  await evil.close();
});

/** evil.test is the attacker's site on 127.0.0.1; every other name goes to the system resolver. */
async function testLookup(name: string): Promise<{ address: string }[]> {
  if (name === 'evil.test') return [{ address: '127.0.0.1' }];
  return lookup(name, { all: true });
}

function makeRp(options: { allowUnsolicited?: boolean } = {}): RelyingParty {
  return new RelyingParty({
    realm: 'http://rp.example/',
    returnTo: RETURN,
    secret: 'k'.repeat(40),
    store: null,
    fetch: {
      allowHosts: ['evil.test'],
      lookup: testLookup,
      timeoutMs: 3000,
    },
    ...options,
  });
}

async function blocked(promise: Promise<unknown>): Promise<void> {
  await assert.rejects(promise, (e: unknown) => e instanceof OpenIDError && e.code === 'fetch_blocked');
}

/** A forged positive assertion claiming `claimedId` at `opEndpoint`. */
function forged(claimedId: string, opEndpoint: string): string {
  const m = Message.create('2.0');
  m.update(OPENID_NS, {
    mode: 'id_res',
    op_endpoint: opEndpoint,
    claimed_id: claimedId,
    identity: claimedId,
    return_to: RETURN,
    response_nonce: makeNonce(Math.floor(Date.now() / 1000)),
    assoc_handle: 'h',
    signed: 'op_endpoint,claimed_id,identity,return_to,response_nonce,assoc_handle',
    sig: 'c2lnbmF0dXJlIHNpZ25hdHVyZSBzaWduYXR1cmUgMTI=',
  });
  return m.toURL(RETURN);
}

function failure(r: CompleteResult): string {
  assert.equal(r.status, 'failure', JSON.stringify(r).slice(0, 300));
  return (r as { code: string }).code;
}

describe('SS: identifiers typed by the user', () => {
  test('SS-01 refuses an identifier on a live 127.0.0.1 service without connecting', async () => {
    await blocked(makeRp().begin(`${internal.base}/`));
    await blocked(makeRp().begin(`http://localhost:${internal.port}/`));
    assert.deepEqual(internal.seen, []);
  });

  test('SS-02 refuses the cloud metadata address', () =>
    blocked(makeRp().begin('http://169.254.169.254/latest/meta-data/')));

  for (const url of [
    'http://10.0.0.1/',
    'http://172.16.0.1/',
    'http://172.31.255.254/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://[::1]/',
    'http://[fc00::1]/',
    'http://[fe80::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:10.0.0.1]/',
  ]) {
    test(`SS-03 refuses the non-global address ${url}`, () => blocked(makeRp().begin(url)));
  }

  for (const url of ['http://2130706433/', 'http://0x7f.1/', 'http://0177.0.0.1/', 'http://127.1/']) {
    test(`SS-04 refuses ${url} (127.0.0.1 spelled otherwise)`, () => blocked(makeRp().begin(url)));
  }

  test('SS-05 refuses a public-looking name that resolves to a private address', async () => {
    const rp = new RelyingParty({
      realm: 'http://rp.example/',
      returnTo: RETURN,
      secret: 'k'.repeat(40),
      store: null,
      fetch: { lookup: async () => [{ address: '127.0.0.1' }] },
    });
    await blocked(rp.begin(`http://127.0.0.1.nip.io:${internal.port}/`));
    assert.deepEqual(internal.seen, []);
  });

  for (const url of [
    'file:///etc/passwd',
    'gopher://evil.test/',
    'ftp://evil.test/',
    'data:text/html,x',
    'jar:http://evil.test/!/',
  ]) {
    test(`SS-08 refuses the identifier ${url}`, async () => {
      await assert.rejects(makeRp().begin(url), (e: unknown) => e instanceof OpenIDError);
    });
  }

  test('SS-14 an identity page naming an internal OP endpoint never gets a POST there', async () => {
    evilProvider = `${internal.base}/op`;
    const rp = new RelyingParty({
      realm: 'http://rp.example/',
      returnTo: RETURN,
      secret: 'k'.repeat(40),
      store: new MemoryStore(),
      fetch: {
        allowHosts: ['evil.test'],
        lookup: testLookup,
      },
    });
    // Discovery is allowed (evil.test); the associate POST to 127.0.0.1 is not.
    const start = evil.seen.length;
    try {
      await rp.begin(`http://evil.test:${evil.port}/id`);
    } catch (e) {
      assert.ok(e instanceof OpenIDError, String(e));
    }
    assert.deepEqual(evil.seen.slice(start), ['/id'], 'the identity page was discovered');
    assert.deepEqual(internal.seen, []);
  });

  test('SS-15 a percent-encoded CR/LF in the identifier stays encoded on the wire', async () => {
    evilProvider = `http://evil.test:${evil.port}/op`;
    const before = evil.seen.length;
    await makeRp()
      .begin(`http://evil.test:${evil.port}/id%0d%0aHost:%20internal%0d%0a`)
      .catch(() => undefined);
    const paths = evil.seen.slice(before);
    assert.ok(paths.length > 0, 'the page was fetched');
    for (const p of paths) {
      assert.doesNotMatch(p, /[\r\n ]/);
      assert.match(p, /%0D%0A|%0d%0a/);
    }
  });
});

describe('SS: forged callbacks', () => {
  test('SS-16 a forged callback without transaction state triggers no fetch at all (unsolicited off)', async () => {
    const r = await makeRp().complete(forged(`${internal.base}/admin`, `${internal.base}/op`), {});
    assert.equal(failure(r), 'unsolicited_rejected');
    assert.deepEqual(internal.seen, []);
  });

  test('SS-16 with unsolicited assertions allowed, a claimed_id on an internal address is refused unfetched', async () => {
    const r = await makeRp({ allowUnsolicited: true }).complete(
      forged(`${internal.base}/admin`, `${internal.base}/op`),
      {},
    );
    failure(r);
    assert.deepEqual(internal.seen, []);
  });

  test('SS-16 a callback naming an allowed attacker host costs at most one discovery fetch and one direct POST', async () => {
    evilProvider = `http://evil.test:${evil.port}/op`;
    const rp = makeRp({ allowUnsolicited: true });
    const start = evil.seen.length;
    const r = await rp.complete(forged(`http://evil.test:${evil.port}/id/x`, evilProvider), {});
    const requests = evil.seen.slice(start);
    assert.ok(requests.length <= 2, JSON.stringify(requests));
    // The attacker can log in only as its own identifier.
    if (r.status === 'success') assert.equal(r.claimedId, `http://evil.test:${evil.port}/id/x`);
    assert.deepEqual(internal.seen, []);
  });

  test('SS-16 an op_endpoint on an internal address, with a claimed_id whose page does not list it, is never contacted', async () => {
    evilProvider = `http://evil.test:${evil.port}/op`;
    const r = await makeRp({ allowUnsolicited: true }).complete(
      forged(`http://evil.test:${evil.port}/id/y`, `${internal.base}/op`),
      {},
    );
    assert.equal(failure(r), 'discovery_mismatch');
    assert.deepEqual(internal.seen, []);
  });
});
