/**
 * Store faults against real servers (issue 13): the database restarts during
 * a run of logins; the store is down for a whole login. PostgreSQL is a
 * private cluster stopped like a crash (`pg_ctl -m immediate`), Redis a
 * private server killed with SIGKILL (append-only file, fsync always), MySQL
 * the shared server behind a TCP proxy that drops every connection. The
 * shared servers on 5432/3306/6379 are never restarted.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { MySQLStore } from '../../src/drivers/mysql.js';
import { PostgresStore } from '../../src/drivers/postgres.js';
import { RedisStore } from '../../src/drivers/redis.js';
import { Association } from '../../src/protocol/association.js';
import { StoreError } from '../../src/protocol/errors.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import type { CompleteResult } from '../../src/rp/result.js';
import type { OpenIDStore } from '../../src/stores/store.js';
import {
  type FaultyServer,
  privatePostgres,
  privatePostgresSkip,
  privateRedis,
  privateRedisSkip,
  proxiedServer,
} from '../helpers/faults.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';
import { serviceSkip, tempMysql } from '../helpers/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowSec = () => Math.floor(Date.now() / 1000);

/** Wait until `cond()` holds, polling; bounded by `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

interface Backend {
  name: string;
  skip(): Promise<string | false>;
  /** The faulty server and a store on it. */
  make(): Promise<{ server: FaultyServer; store: () => OpenIDStore; cleanup?(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'PostgreSQL (private cluster, crash-stopped)',
    skip: async () => privatePostgresSkip(),
    async make() {
      const server = await privatePostgres();
      return { server, store: () => new PostgresStore({ connectionString: server.url, max: 4 }) };
    },
  },
  {
    name: 'Redis (private server, SIGKILL)',
    skip: async () => privateRedisSkip(),
    async make() {
      const server = await privateRedis();
      return { server, store: () => new RedisStore({ url: server.url, keyPrefix: 'faults:' }) };
    },
  },
  {
    name: 'MySQL/MariaDB (shared server behind a cut proxy)',
    skip: () => serviceSkip('mysql'),
    async make() {
      const db = await tempMysql();
      const server = await proxiedServer(db.url, 3306);
      return {
        server,
        store: () => new MySQLStore({ uri: server.url, connectionLimit: 4 }),
        cleanup: db.drop,
      };
    },
  },
];

interface Login {
  result: CompleteResult;
  url: string;
  state: string;
  /** When complete() started and ended (ms). */
  from: number;
  to: number;
}

async function login(rp: RelyingParty, ps: ProviderServer): Promise<Login> {
  const auth = await rp.begin(`${ps.base}/id/alice`);
  const back = await browse(auth.redirectUrl);
  const from = Date.now();
  const result = await rp.complete(back.url, { state: auth.state });
  return { result, url: back.url, state: auth.state, from, to: Date.now() };
}

const code = (r: CompleteResult) => (r.status === 'failure' ? (r as { code: string }).code : r.status);

for (const b of backends) {
  describe(`store faults: ${b.name}`, async () => {
    const skip = await b.skip();
    let server: FaultyServer;
    let store: OpenIDStore;
    let cleanup: (() => Promise<void>) | undefined;
    let ps: ProviderServer;
    before(async () => {
      if (skip) return;
      const m = await b.make();
      server = m.server;
      store = m.store();
      cleanup = m.cleanup;
      ps = await startProviderServer();
    });
    after(async () => {
      if (skip) return;
      await store.close?.();
      await server.close();
      await cleanup?.();
      await ps.close();
    });

    test('a restart: in-flight operations fail with StoreError, later ones succeed, no accepted nonce is forgotten', {
      skip,
    }, async () => {
      const u = `https://op-${randomBytes(4).toString('hex')}.example/server`;
      const assoc = new Association({
        handle: 'kept',
        secret: randomBytes(32),
        issued: nowSec(),
        lifetime: 3600,
        assocType: 'HMAC-SHA256',
      });
      await store.storeAssociation(u, assoc);
      const accepted: { ts: number; salt: string; afterUp: boolean }[] = [];
      const errors: unknown[] = [];
      let refusedFresh = 0;
      let isUp = true;
      let upAgain = false;
      let stop = false;
      const lane = async (w: number) => {
        for (let i = 0; i < 3000 && !stop; i++) {
          const ts = nowSec();
          const salt = `w${w}-${i}-${randomBytes(3).toString('hex')}`;
          const wasUpAgain = upAgain;
          try {
            if (await store.useNonce(u, ts, salt)) accepted.push({ ts, salt, afterUp: wasUpAgain });
            else refusedFresh++; // a retried insert that had landed: refused, never accepted twice
          } catch (e) {
            errors.push(e);
          }
          await sleep(isUp ? 5 : 20);
        }
      };
      const lanes = [0, 1, 2, 3].map(lane);
      try {
        await until(() => accepted.length >= 20, 20_000, '20 nonces before the fault');
        isUp = false;
        await server.down();
        await sleep(500);
        await server.up();
        isUp = true;
        upAgain = true;
        await until(
          () => accepted.filter((a) => a.afterUp).length >= 20,
          30_000,
          '20 nonces after reconnect',
        );
      } finally {
        stop = true;
        await Promise.all(lanes);
      }
      // The fault hit operations, and each failed as a StoreError, never another error or a crash.
      assert.ok(errors.length > 0, 'no operation saw the fault');
      for (const e of errors) {
        assert.ok(e instanceof StoreError, `not a StoreError: ${String(e)}`);
        assert.equal(e.code, 'store_unavailable');
      }
      // Every nonce accepted before, during or after the restart is still used.
      for (const a of accepted) assert.equal(await store.useNonce(u, a.ts, a.salt), false, a.salt);
      assert.ok((await store.getAssociation(u, 'kept'))?.equals(assoc));
      assert.ok(refusedFresh <= errors.length, `${refusedFresh} fresh nonces refused`);
    });

    test('logins across a restart: none succeeds unchecked, later ones succeed, successes cannot be replayed', {
      skip,
    }, async () => {
      const rp = new RelyingParty({
        realm: 'http://rp.example/',
        returnTo: 'http://rp.example/return',
        secret: 's'.repeat(40),
        store,
        fetch: { allowPrivateNetworks: true },
      });
      const logins: Login[] = [];
      let downAt = 0;
      let upAt = 0;
      let stop = false;
      const lane = async () => {
        for (let i = 0; i < 200 && !stop; i++) logins.push(await login(rp, ps));
      };
      const lanes = [lane(), lane()];
      const successesSince = (t: number) =>
        logins.filter((l) => l.from > t && l.result.status === 'success').length;
      try {
        await until(() => successesSince(0) >= 4, 30_000, '4 logins before the fault');
        await server.down();
        downAt = Date.now();
        // Stay down until logins begun during the outage have been checked (bounded).
        await until(
          () => logins.filter((l) => l.from > downAt && code(l.result) === 'store_unavailable').length >= 2,
          30_000,
          'logins checked while the store was down',
        );
        upAt = Date.now();
        await server.up();
        await until(() => successesSince(upAt) >= 4, 30_000, '4 logins after reconnect');
      } finally {
        stop = true;
        await Promise.all(lanes);
      }
      const codes = logins.map((l) => code(l.result));
      // Down: the nonce cannot be checked (store_unavailable), or an assertion signed with a shared
      // association cannot be verified (the provider refuses check_authentication for it).
      for (const c of codes) assert.ok(['success', 'store_unavailable', 'check_auth_failed'].includes(c), c);
      // A login checked entirely while the store was down never succeeds.
      for (const l of logins.filter((x) => x.from >= downAt && x.to <= upAt))
        assert.notEqual(l.result.status, 'success');
      assert.ok(
        codes.includes('store_unavailable'),
        `the fault never reached a nonce check: ${codes.join(' ')}`,
      );
      // No accepted nonce forgotten: every success, before or after the restart, is refused as a replay.
      for (const l of logins.filter((x) => x.result.status === 'success')) {
        const replay = await rp.complete(l.url, { state: l.state });
        assert.ok(['nonce_replay', 'check_auth_failed'].includes(code(replay)), code(replay));
        assert.notEqual(replay.status, 'success');
      }
    });

    test('a store that is down: associations go stateless, the login fails at the nonce check', {
      skip,
    }, async () => {
      const rp = new RelyingParty({
        realm: 'http://rp.example/',
        returnTo: 'http://rp.example/return',
        secret: 'd'.repeat(40),
        store,
        fetch: { allowPrivateNetworks: true },
      });
      await server.down();
      let down: Login;
      const start = ps.log.length;
      try {
        const auth = await rp.begin(`${ps.base}/id/bob`);
        assert.equal(new URL(auth.redirectUrl).searchParams.get('openid.assoc_handle'), null);
        down = await login(rp, ps);
      } finally {
        await server.up();
      }
      assert.equal(code(down.result), 'store_unavailable');
      assert.match((down.result as { message: string }).message, /nonce could not be checked/);
      // No association was negotiated: the provider saw only checkid and check_authentication.
      assert.deepEqual([...new Set(ps.log.slice(start))].sort(), ['check_authentication', 'checkid_setup']);
      // Back up: a login succeeds again (reconnect, negotiating an association).
      const end = Date.now() + 30_000;
      let ok: Login | null = null;
      while (Date.now() < end && !ok) {
        const l = await login(rp, ps);
        if (l.result.status === 'success') ok = l;
        else await sleep(200);
      }
      assert.ok(ok, 'no login succeeded after the store came back');
    });
  });
}

describe('store faults: a database that accepts connections and never answers', () => {
  test('PostgreSQL: operations fail with StoreError after the connect timeout instead of hanging', {
    timeout: 20_000, // a hang fails the test
  }, async () => {
    const held = new Set<Socket>();
    const silent = createServer((sock) => {
      held.add(sock); // never a byte back, like a host behind a dropping firewall
      sock.on('error', () => {});
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    const store = new PostgresStore({
      connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
      connectionTimeoutMillis: 300,
    });
    try {
      await assert.rejects(store.useNonce('https://op.example/', nowSec(), 'x'), (e: unknown) => {
        assert.ok(e instanceof StoreError);
        assert.equal(e.code, 'store_unavailable');
        assert.match(e.message, /timeout/i);
        return true;
      });
    } finally {
      await store.close();
      for (const s of held) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
