/**
 * Fastify: the openidFastify plugin in a real Fastify 5 app on 127.0.0.1
 * against this package's Provider over HTTP (with the plugin's own form
 * parser and with @fastify/formbody), success and each failure path.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { openidFastify } from '../../src/adapters/fastify.js';
import type { UnsuccessfulResult } from '../../src/adapters/web.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import { loginRoundTrip, postLogin, returnTo, tamper } from './browser-steps.js';
import { freePort } from './free-port.js';

for (const withFormbody of [false, true]) {
  describe(`Fastify plugin (${withFormbody ? 'with @fastify/formbody' : 'own form parser'})`, () => {
    let ps: ProviderServer;
    let app: FastifyInstance;
    let base = '';
    const users: string[] = [];
    const failures: UnsuccessfulResult[] = [];

    before(async () => {
      ps = await startProviderServer();
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      app = Fastify();
      if (withFormbody) await app.register(formbody);
      await app.register(openidFastify, {
        rp: new RelyingParty({
          realm: `${base}/`,
          returnTo: `${base}/auth/return`,
          secret: 'f'.repeat(40),
          store: new MemoryStore(),
          fetch: { allowPrivateNetworks: true },
        }),
        loginPath: '/auth',
        onSuccess: (result) => {
          users.push(result.claimedId as string);
          return '/me';
        },
        onFailure: async (result, _request, reply) => {
          failures.push(result);
          await reply.code(403).send(result.status);
          return undefined;
        },
      });
      await app.listen({ port, host: '127.0.0.1' });
    });
    after(async () => {
      await app.close();
      await ps.close();
    });

    const alice = () => ({ openid_identifier: `${ps.base}/id/alice` });

    test('signs in and redirects with no-referrer, clearing the state cookie', async () => {
      const { cookie, url } = await loginRoundTrip(base, '/auth', alice());
      assert.ok(url.startsWith(`${base}/auth/return?`));
      const res = await returnTo(url, cookie);
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/me');
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.match(
        res.headers.getSetCookie().join('\n'),
        /openid2_state\.[0-9a-f]{16}=used; Path=\/auth\/return; Max-Age=600/,
      );
      assert.equal(users.at(-1), `${ps.base}/id/alice`);
    });

    test('a form-POSTed assertion is read from the body', async () => {
      const { cookie, url } = await loginRoundTrip(base, '/auth', alice());
      const u = new URL(url);
      const body = new URLSearchParams([...u.searchParams].filter(([k]) => k.startsWith('openid.')));
      // A provider's form POSTs to return_to itself (with the RP's per-login nonce in its query).
      const res = await returnTo(body.get('openid.return_to') as string, cookie, body.toString());
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), '/me');
    });

    test('replay fails (nonce_replay)', async () => {
      const { cookie, url } = await loginRoundTrip(base, '/auth', alice());
      assert.equal((await returnTo(url, cookie)).status, 303);
      assert.equal((await returnTo(url, cookie)).status, 403);
      assert.equal((failures.at(-1) as { code?: string }).code, 'nonce_replay');
    });

    test('a tampered return fails', async () => {
      const count = users.length;
      const { cookie, url } = await loginRoundTrip(base, '/auth', alice());
      assert.equal((await returnTo(tamper(url, `${ps.base}/id/mallory`), cookie)).status, 403);
      assert.equal(failures.at(-1)?.status, 'failure');
      assert.equal(users.length, count);
    });

    test('cancel reaches onFailure as cancel', async () => {
      ps.decision = 'deny';
      try {
        const { cookie, url } = await loginRoundTrip(base, '/auth', alice());
        assert.equal(await (await returnTo(url, cookie)).text(), 'cancel');
      } finally {
        ps.decision = 'allow';
      }
    });

    test('SE-04: GET login 405, cross-site POST 403', async () => {
      const get = await fetch(`${base}/auth?openid_identifier=x`, { redirect: 'manual' });
      assert.equal(get.status, 405);
      const cross = await postLogin(base, '/auth', alice(), { origin: 'https://evil.example' });
      assert.equal(cross.status, 403);
    });
  });
}
