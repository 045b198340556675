/**
 * Security cases TL-02 … TL-04 (docs/security-cases.md §22): transport.
 * TL-01 (certificates are verified) is in test/discovery/ssrf-guard.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SessionNegotiator } from '../../src/associations/negotiation.js';
import type { Fetcher } from '../../src/discovery/fetcher.js';
import { createFetcher } from '../../src/discovery/fetcher.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { makeNonce } from '../../src/protocol/nonce.js';
import { selfSignedCert } from '../helpers/self-signed.js';
import {
  type AttackerOp,
  attackerOp,
  FakeOP,
  failure,
  honestOp,
  loginAt,
  makeRp,
  type ProviderServer,
  page2,
  RETURN,
  success,
} from './world.js';

const execFileAsync = promisify(execFile);

let honest: ProviderServer;
let evil: AttackerOp;
before(async () => {
  honest = await honestOp();
  evil = await attackerOp();
});
after(async () => {
  await honest.close();
  await evil.close();
});

/** The real fetcher, recording the POST bodies it sends. */
function recording(): { fetcher: Fetcher; posts: URLSearchParams[] } {
  const inner = createFetcher({ allowPrivateNetworks: true });
  const posts: URLSearchParams[] = [];
  const fetcher: Fetcher = (url, init = {}) => {
    if (init.method === 'POST') posts.push(new URLSearchParams(init.body?.toString() ?? ''));
    return inner(url, init);
  };
  return { fetcher, posts };
}

describe('TL: transport', () => {
  test('TL-02 with requireHttps, a plain-http identifier is insecure_transport', async () => {
    const rp = makeRp({ fetch: { allowPrivateNetworks: true, requireHttps: true } });
    await assert.rejects(rp.begin(`${honest.base}/id/alice`), { code: 'insecure_transport' });
  });

  test('TL-02 with requireHttps, an https identifier redirecting to http is insecure_transport', async (t) => {
    const certificate = selfSignedCert();
    if (!certificate) return t.skip('openssl is not installed: no certificate for the https hop');
    const tls = createHttpsServer({ key: certificate.key, cert: certificate.cert }, (req, res) => {
      if (req.url === '/plain') res.writeHead(302, { location: `${honest.base}/id/alice` }).end();
      else res.writeHead(200, { 'content-type': 'text/html' }).end(page2('https://localhost/op'));
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    const port = (tls.address() as AddressInfo).port;
    try {
      // Asynchronously: the https server lives in this process and must keep answering.
      const run = async (id: string) =>
        (
          await execFileAsync(
            process.execPath,
            ['--import', 'tsx', fileURLToPath(new URL('./tls-redirect-worker.ts', import.meta.url)), id],
            {
              env: { ...process.env, NODE_EXTRA_CA_CERTS: certificate.certPath },
              timeout: 30_000,
              encoding: 'utf8',
            },
          )
        ).stdout.trim();
      // The https page itself is fetched and trusted (so the certificate setup is real)...
      assert.equal(await run(`https://localhost:${port}/page`), 'no error');
      // ...and the downgrade on a redirect is refused.
      assert.equal(await run(`https://localhost:${port}/plain`), 'insecure_transport');
    } finally {
      tls.closeAllConnections();
      await new Promise<void>((r) => tls.close(() => r()));
      certificate.remove();
    }
  });

  test('TL-03 in allowlist mode, unknown providers are untrusted_op at begin() and at complete()', async () => {
    const mallory = evil.page('/id/mallory', page2(evil.endpoint));
    const rp = makeRp({ allowedProviders: [honest.endpoint], allowUnsolicited: true });
    await assert.rejects(rp.begin(mallory), { code: 'untrusted_op' });
    const request = Message.create('2.0')
      .set(OPENID_NS, 'claimed_id', mallory)
      .set(OPENID_NS, 'identity', mallory)
      .set(OPENID_NS, 'return_to', RETURN);
    const url = FakeOP.returnUrl(
      evil.op.assertion(request, { nonce: makeNonce(Math.floor(Date.now() / 1000)) }),
    );
    assert.equal(failure(await rp.complete(url, {})), 'untrusted_op');
    assert.deepEqual(evil.op.log, [], 'nothing was sent to the unlisted provider');
    // The listed one works.
    const ok = await loginAt(rp, `${honest.base}/id/alice`);
    assert.equal(success(await rp.complete(ok.url, { state: ok.auth.state })), `${honest.base}/id/alice`);
  });

  test('TL-04 never asks for a no-encryption association over plain http', async () => {
    const { fetcher, posts } = recording();
    const rp = makeRp({ fetcher });
    const { auth, url } = await loginAt(rp, `${honest.base}/id/alice`);
    const associates = posts.filter((p) => p.get('openid.mode') === 'associate');
    assert.equal(associates.length, 1);
    assert.match(associates[0]?.get('openid.session_type') ?? '', /^DH-SHA(1|256)$/);
    assert.equal(success(await rp.complete(url, { state: auth.state })), `${honest.base}/id/alice`);
    // Even a negotiator that allows only no-encryption does not use it over http: the login goes stateless.
    const plain = recording();
    const only = makeRp({
      fetcher: plain.fetcher,
      negotiator: new SessionNegotiator([{ assocType: 'HMAC-SHA256', sessionType: 'no-encryption' }]),
    });
    const second = await loginAt(only, `${honest.base}/id/alice`);
    assert.deepEqual(
      plain.posts.filter((p) => p.get('openid.mode') === 'associate'),
      [],
      'no plaintext associate request',
    );
    assert.equal(
      success(await only.complete(second.url, { state: second.auth.state })),
      `${honest.base}/id/alice`,
    );
  });
});
