/**
 * The relying-party adapter contract (issue 20) as one suite every adapter
 * runs unchanged: Web handlers, Express, Fastify, Passport, and the Steam
 * preset's routes. Each adapter is served over HTTP on 127.0.0.1 with the
 * same routes and hooks, and a small cookie jar plays the browser:
 *
 * - `POST /login` (form field `openid_identifier`) starts a login;
 * - `/login/return` is return_to;
 * - success → 303 `/me?id=<claimed id>`, anything else → 303 `/sorry?code=<code | cancel>`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';

/** One adapter, served and wired to the suite's routes. */
export interface AdapterUnderTest {
  /** `http://127.0.0.1:<port>`: realm and return_to host. */
  readonly base: string;
  /** The provider is fixed (Steam): the login form needs no identifier, the provider picks the user. */
  readonly fixedProvider: boolean;
  close(): Promise<void>;
}

/** Settings the suite asks every adapter to use. */
export const ROUTES = { login: '/login', return: '/login/return' } as const;

/** Where the suite's hooks send the browser after a return. */
export function successPath(claimedId: string): string {
  return `/me?id=${encodeURIComponent(claimedId)}`;
}
export function failurePath(code: string): string {
  return `/sorry?code=${encodeURIComponent(code)}`;
}

/** A browser's cookies for one host: name → value; Max-Age=0 deletes. Path is ignored (one RP). */
class Jar {
  readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = (pair as string).indexOf('=');
      const name = (pair as string).slice(0, eq).trim();
      const value = (pair as string).slice(eq + 1).trim();
      if (/;\s*max-age=0\b/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  stateNames(): string[] {
    return [...this.cookies.keys()].filter((n) => n.startsWith('openid2_state'));
  }
}

/** Register the conformance suite for one adapter (the same cases for every adapter). */
export function adapterConformance(
  name: string,
  make: (ps: ProviderServer) => Promise<AdapterUnderTest>,
): void {
  describe(`adapter conformance: ${name}`, () => {
    let ps: ProviderServer;
    let a: AdapterUnderTest;
    before(async () => {
      ps = await startProviderServer();
      a = await make(ps);
    });
    after(async () => {
      await a.close();
      await ps.close();
    });

    // A fixed provider (Steam) names users by number; the provider picks the user (identifier_select).
    const STEAM_IDS: Record<string, string> = {
      alice: '76561197960287930',
      bob: '76561197960287931',
      mallory: '76561197960287932',
    };
    const userName = (user: string) => (a.fixedProvider ? (STEAM_IDS[user] as string) : user);
    const identifier = (user: string) => (a.fixedProvider ? '' : `${ps.base}/id/${user}`);
    const expectedId = (user: string) => `${ps.base}/id/${userName(user)}`;
    /** The app's success page for `user` (Passport's SteamStrategy hands verify the bare SteamID64). */
    const signedInAs = (res: Response, user: string) => {
      assert.equal(res.status, 303);
      const location = res.headers.get('location') as string;
      assert.ok(location.startsWith('/me?id='), location);
      const id = new URLSearchParams(location.slice(4)).get('id') as string;
      assert.ok(id === expectedId(user) || id === userName(user), id);
    };

    async function start(
      jar: Jar,
      user: string,
      init: { host?: string; headers?: Record<string, string> } = {},
    ) {
      const base = init.host ?? a.base;
      const res = await fetch(`${base}${ROUTES.login}`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          origin: base,
          cookie: jar.header(),
          ...init.headers,
        },
        body: new URLSearchParams({ openid_identifier: identifier(user) }).toString(),
      });
      jar.take(res);
      return res;
    }

    async function back(jar: Jar, url: string, body?: string) {
      const res = await fetch(url, {
        method: body === undefined ? 'GET' : 'POST',
        redirect: 'manual',
        headers: {
          cookie: jar.header(),
          ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
        },
        ...(body === undefined ? {} : { body }),
      });
      jar.take(res);
      return res;
    }

    /** Start a login for `user` and come back from the provider to return_to (not yet followed). */
    async function toProvider(jar: Jar, user: string) {
      ps.user = userName(user);
      const res = await start(jar, user);
      assert.equal(res.status, 303, await res.clone().text());
      return (await browse(res.headers.get('location') as string)).url;
    }

    test('happy path: 303 to the provider with a per-login HttpOnly cookie, then a clean 303 to the app (PRG, no Referer)', async () => {
      const jar = new Jar();
      ps.user = userName('alice');
      const res = await start(jar, 'alice');
      assert.equal(res.status, 303);
      assert.ok((res.headers.get('location') as string).startsWith(`${ps.base}/op?`));
      const set = res.headers.getSetCookie().find((c) => c.startsWith('openid2_state.')) as string;
      assert.match(
        set,
        /^openid2_state\.[0-9a-f]{16}=v1\.[^;]+; Path=\/login\/return; Max-Age=600; HttpOnly; SameSite=Lax$/,
      );
      const url = (await browse(res.headers.get('location') as string)).url;
      const done = await back(jar, url);
      signedInAs(done, 'alice');
      assert.equal(done.headers.get('referrer-policy'), 'no-referrer');
    });

    test('two logins at once in one browser (two tabs) both succeed, in either order', async () => {
      const jar = new Jar();
      const first = await toProvider(jar, 'alice');
      const second = await toProvider(jar, 'bob');
      assert.equal(jar.stateNames().length, 2, 'one cookie per pending login');
      signedInAs(await back(jar, second), 'bob');
      signedInAs(await back(jar, first), 'alice');
    });

    test('a second visit to a used return URL (reload, back button) is state_used, not an attack-looking failure', async () => {
      const jar = new Jar();
      const url = await toProvider(jar, 'alice');
      signedInAs(await back(jar, url), 'alice');
      const again = await back(jar, url);
      assert.equal(again.status, 303);
      assert.equal(again.headers.get('location'), failurePath('state_used'));
    });

    test('a return with no login state at all is unsolicited_rejected (a lost cookie is not state_used)', async () => {
      const url = await toProvider(new Jar(), 'alice');
      const res = await back(new Jar(), url);
      assert.equal(res.headers.get('location'), failurePath('unsolicited_rejected'));
    });

    test("another login's token under this login's cookie name does not complete it (session_binding_failed)", async () => {
      const jar = new Jar();
      const mine = await toProvider(jar, 'alice');
      const aliceCookie = jar.stateNames()[0] as string;
      await toProvider(jar, 'bob');
      const bobCookie = jar.stateNames().find((n) => n !== aliceCookie) as string;
      jar.cookies.set(aliceCookie, jar.cookies.get(bobCookie) as string);
      jar.cookies.delete(bobCookie);
      const res = await back(jar, mine);
      assert.equal(res.headers.get('location'), failurePath('session_binding_failed'));
    });

    test('pending logins are bounded: the sixth start clears the oldest cookie', async () => {
      const jar = new Jar();
      for (let i = 0; i < 6; i++) await toProvider(jar, 'alice');
      assert.equal(jar.stateNames().length, 5);
    });

    test('cancel at the provider reaches the failure hook as cancel', async () => {
      const jar = new Jar();
      ps.decision = 'deny';
      try {
        const url = await toProvider(jar, 'alice');
        const res = await back(jar, url);
        assert.equal(res.headers.get('location'), failurePath('cancel'));
      } finally {
        ps.decision = 'allow';
      }
    });

    test('a tampered return (claimed id swapped) never signs anyone in', async () => {
      const jar = new Jar();
      const url = new URL(await toProvider(jar, 'alice'));
      url.searchParams.set('openid.claimed_id', expectedId('mallory'));
      url.searchParams.set('openid.identity', expectedId('mallory'));
      const res = await back(jar, url.toString());
      assert.match(res.headers.get('location') as string, /^\/sorry\?code=/);
    });

    test('a login started on another host is sent to the return_to origin first (localhost → 127.0.0.1)', async () => {
      const jar = new Jar();
      const other = a.base.replace('127.0.0.1', 'localhost');
      const res = await start(jar, 'alice', { host: other, headers: { referer: `${other}/signin?x=1` } });
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), `${a.base}/signin?x=1`);
      assert.equal(jar.stateNames().length, 0, 'no state cookie on the wrong host');
    });

    test('a cross-site POST cannot start a login (403, SE-04)', async () => {
      const res = await start(new Jar(), 'alice', { headers: { origin: 'https://evil.example' } });
      assert.equal(res.status, 403);
      assert.equal(res.headers.getSetCookie().length, 0);
    });

    test('a GET cannot start a login unless allowed (405), or for a fixed provider', async () => {
      const res = await fetch(
        `${a.base}${ROUTES.login}?openid_identifier=${encodeURIComponent(identifier('alice'))}`,
        {
          redirect: 'manual',
        },
      );
      if (a.fixedProvider) assert.equal(res.status, 303);
      else assert.equal(res.status, 405);
    });

    test('an empty identifier is a 400 (a fixed provider needs none: 303)', async () => {
      const res = await fetch(`${a.base}${ROUTES.login}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: a.base },
        body: 'openid_identifier=',
      });
      assert.equal(res.status, a.fixedProvider ? 303 : 400);
    });
  });
}
