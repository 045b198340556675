/**
 * SteamStrategy as a passport-steam drop-in: an Express + passport +
 * express-session app written the way passport-steam's README writes it
 * (serializeUser/deserializeUser, `passport.session()`, GET /auth/steam and
 * /auth/steam/return with `failureRedirect`), against the local Steam-shaped
 * provider and a local GetPlayerSummaries server.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import session from 'express-session';
import { Passport } from 'passport';
import { SteamStrategy, type SteamStrategyOptions } from '../../src/adapters/passport.js';
import { SteamProfileError } from '../../src/steam/web-api.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { STEAM_ORIGIN, type SteamProvider, startSteamProvider } from '../helpers/steam-op.js';
import { type SteamWebApi, startSteamWebApi, TEST_API_KEY } from '../helpers/steam-web-api.js';

const HASH = 'fef49e7fa7e1997310d705b2a6158ff8dc1cdfeb';

interface App {
  base: string;
  /** Errors that reached Express's error handler. */
  errors: unknown[];
  /** What verify received. */
  calls: { args: number; identifier: string; profile: unknown; hadReq: boolean }[];
  close(): Promise<void>;
}

/** A minimal browser: a cookie jar and manual redirects. */
class Browser {
  readonly jar = new Map<string, string>();
  async get(url: string): Promise<Response> {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = (pair as string).indexOf('=');
      this.jar.set((pair as string).slice(0, eq), (pair as string).slice(eq + 1));
    }
    return res;
  }
  /** GET /auth/steam, through the provider, back to the return route; the answer of the return route. */
  async signIn(base: string): Promise<Response> {
    const start = await this.get(`${base}/auth/steam`);
    assert.equal(start.status, 303, 'the login starts with a redirect to Steam');
    const atSteam = await this.get(start.headers.get('location') as string);
    assert.equal(atSteam.status, 302);
    return this.get(atSteam.headers.get('location') as string);
  }
}

describe('SteamStrategy: an Express + passport + express-session app as in passport-steam’s README', () => {
  let op: SteamProvider;
  let api: SteamWebApi;
  const output: string[] = [];
  const writes = { out: process.stdout.write, err: process.stderr.write };

  before(async () => {
    op = await startSteamProvider();
    api = await startSteamWebApi();
    // Everything written to stdout / stderr while the apps run is checked for the key at the end.
    const capture =
      (original: typeof process.stdout.write) =>
      (chunk: unknown, ...rest: unknown[]): boolean => {
        output.push(String(chunk));
        return (original as (...a: unknown[]) => boolean).call(process.stdout, chunk, ...rest);
      };
    process.stdout.write = capture(writes.out) as typeof process.stdout.write;
    process.stderr.write = capture(writes.err) as typeof process.stderr.write;
  });
  after(async () => {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    await op.close();
    await api.close();
  });

  async function startApp(
    options: Partial<SteamStrategyOptions>,
    verifyKind: 'readme' | 'req' = 'readme',
  ): Promise<App> {
    const a = express();
    const server = await new Promise<Server>((r) => {
      const s = a.listen(0, '127.0.0.1', () => r(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const calls: App['calls'] = [];
    const errors: unknown[] = [];
    const passport = new Passport();
    passport.serializeUser((user, done) => done(null, user));
    passport.deserializeUser((obj: Express.User, done) => done(null, obj));
    const strategyOptions: SteamStrategyOptions = {
      returnURL: `${base}/auth/steam/return`,
      realm: `${base}/`,
      // openid2's additions for several processes, and the local provider / API:
      store: new MemoryStore(),
      secret: 's'.repeat(40),
      fetch: { allowPrivateNetworks: true },
      opEndpoint: op.endpoint,
      claimedIdPrefix: op.claimedIdPrefix,
      checkAuthOrigin: STEAM_ORIGIN,
      apiUrl: api.apiUrl,
      ...options,
    };
    passport.use(
      verifyKind === 'readme'
        ? // As passport-steam's README writes it: no annotations, the parameters are typed all the same.
          new SteamStrategy(strategyOptions, (identifier, profile, done) => {
            calls.push({ args: 3, identifier, profile, hadReq: false });
            process.nextTick(() => done(null, { ...profile, identifier }));
          })
        : new SteamStrategy(
            { ...strategyOptions, passReqToCallback: true },
            (req: express.Request, identifier, profile, done) => {
              calls.push({ args: 4, identifier, profile, hadReq: typeof req.get === 'function' });
              done(null, { ...profile, identifier });
            },
          ),
    );
    a.use(session({ secret: 'your secret', name: 'sid', resave: true, saveUninitialized: true }));
    a.use(passport.initialize());
    a.use(passport.session());
    a.get('/', (req, res) => {
      res.json({ user: req.user ?? null });
    });
    a.get('/login', (_req, res) => {
      res.status(401).send('login');
    });
    a.get('/auth/steam', passport.authenticate('steam', { failureRedirect: '/login' }), (_req, res) => {
      res.redirect('/');
    });
    a.get(
      '/auth/steam/return',
      passport.authenticate('steam', { failureRedirect: '/login' }),
      (_req, res) => {
        res.redirect('/');
      },
    );
    a.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      errors.push(err);
      console.error('login error:', err);
      res.status(500).json({ error: err instanceof Error ? err.message : String(err) });
    });
    return {
      base,
      errors,
      calls,
      close: async () => {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      },
    };
  }

  test('with apiKey, verify gets profile.id, displayName and photos; req.user holds them after the redirect', async () => {
    api.mode = 'ok';
    const app = await startApp({ apiKey: TEST_API_KEY });
    try {
      const browser = new Browser();
      const back = await browser.signIn(app.base);
      assert.equal(back.status, 302);
      assert.equal(back.headers.get('location'), '/');
      const call = app.calls[0];
      assert.ok(call);
      assert.equal(call.identifier, `${op.claimedIdPrefix}${op.steamId}`);
      const profile = call.profile as {
        provider: string;
        id: string;
        displayName: string;
        photos: { value: string }[];
      };
      assert.equal(profile.provider, 'steam');
      assert.equal(profile.id, op.steamId);
      assert.equal(profile.displayName, 'Gabe Test');
      assert.deepEqual(
        profile.photos.map((p) => p.value),
        [
          `https://avatars.steamstatic.com/${HASH}.jpg`,
          `https://avatars.steamstatic.com/${HASH}_medium.jpg`,
          `https://avatars.steamstatic.com/${HASH}_full.jpg`,
        ],
      );
      const home = (await (await browser.get(`${app.base}/`)).json()) as {
        user: { id: string; displayName: string };
      };
      assert.equal(home.user.id, op.steamId);
      assert.equal(home.user.displayName, 'Gabe Test');
      assert.equal(api.requests.at(-1)?.steamids, op.steamId);
    } finally {
      await app.close();
    }
  });

  test('without apiKey, profile is { provider: "steam", id } and the Web API is not called', async () => {
    const before = api.requests.length;
    const app = await startApp({});
    try {
      const back = await new Browser().signIn(app.base);
      assert.equal(back.status, 302);
      assert.deepEqual(app.calls[0]?.profile, { provider: 'steam', id: op.steamId });
      assert.equal(api.requests.length, before);
    } finally {
      await app.close();
    }
  });

  test('profile: false with an apiKey: no Web API call, profile { provider, id }', async () => {
    const before = api.requests.length;
    const app = await startApp({ apiKey: TEST_API_KEY, profile: false });
    try {
      await new Browser().signIn(app.base);
      assert.deepEqual(app.calls[0]?.profile, { provider: 'steam', id: op.steamId });
      assert.equal(api.requests.length, before);
    } finally {
      await app.close();
    }
  });

  test('passReqToCallback: verify gets (req, identifier, profile, done)', async () => {
    api.mode = 'ok';
    const app = await startApp({ apiKey: TEST_API_KEY }, 'req');
    try {
      await new Browser().signIn(app.base);
      const call = app.calls[0];
      assert.ok(call);
      assert.equal(call.hadReq, true);
      assert.equal((call.profile as { displayName: string }).displayName, 'Gabe Test');
    } finally {
      await app.close();
    }
  });

  test('the strategy is named "steam" and a replayed return fails to the failureRedirect', async () => {
    const app = await startApp({});
    try {
      const browser = new Browser();
      const start = await browser.get(`${app.base}/auth/steam`);
      const atSteam = await browser.get(start.headers.get('location') as string);
      const url = atSteam.headers.get('location') as string;
      assert.equal((await browser.get(url)).headers.get('location'), '/');
      // The same assertion again (its state is used up, and its nonce too).
      const again = await browser.get(url);
      assert.equal(again.headers.get('location'), '/login');
      assert.equal(app.calls.length, 1);
    } finally {
      await app.close();
    }
  });

  test('a bad key: the login is an error (SteamProfileError steam_api_bad_key), verify is not called', async () => {
    api.mode = 'bad_key';
    const app = await startApp({ apiKey: TEST_API_KEY });
    try {
      const back = await new Browser().signIn(app.base);
      assert.equal(back.status, 500);
      const body = await back.text();
      assert.ok(!body.includes(TEST_API_KEY));
      assert.equal(app.calls.length, 0);
      const err = app.errors[0];
      assert.ok(err instanceof SteamProfileError);
      assert.equal(err.code, 'steam_api_bad_key');
    } finally {
      await app.close();
      api.mode = 'ok';
    }
  });

  test('a slow Web API, an HTML answer, a missing player: typed errors, never a crash', async () => {
    for (const [mode, code] of [
      ['html', 'steam_api_not_json'],
      ['missing_player', 'steam_player_not_found'],
      ['slow', 'steam_api_timeout'],
    ] as const) {
      api.mode = mode;
      const app = await startApp({
        apiKey: TEST_API_KEY,
        fetch: { allowPrivateNetworks: true, timeoutMs: 1000 },
      });
      try {
        const back = await new Browser().signIn(app.base);
        assert.equal(back.status, 500, mode);
        assert.equal((app.errors[0] as SteamProfileError).code, code);
      } finally {
        await app.close();
      }
    }
    api.mode = 'ok';
  });

  test('the API key appears in no error, response or line written to stdout / stderr', () => {
    // The earlier tests logged their errors with console.error (as apps do).
    assert.ok(
      output.some((line) => line.includes('steam_api_bad_key')),
      'the errors were logged',
    );
    for (const line of output) assert.ok(!line.includes(TEST_API_KEY), `the key was written: ${line}`);
  });
});
