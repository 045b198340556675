/**
 * Every relying-party adapter through the one adapter conformance suite
 * (test/conformance/adapter.ts): Web handlers, Express, Fastify, Passport's
 * OpenIDStrategy, and the Steam preset's routes (Web handlers on a
 * fixed-provider relying party, and Passport's SteamStrategy).
 */
import { createServer, type Server } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import { Passport } from 'passport';
import { expressRp } from '../../src/adapters/express.js';
import { openidFastify } from '../../src/adapters/fastify.js';
import { nodeListener } from '../../src/adapters/node-http.js';
import { OpenIDStrategy, SteamStrategy } from '../../src/adapters/passport.js';
import { rpHandlers } from '../../src/adapters/web.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import type { CompleteResult } from '../../src/rp/result.js';
import { steamLogin } from '../../src/steam/index.js';
import { MemoryStore } from '../../src/stores/memory.js';
import {
  type AdapterUnderTest,
  adapterConformance,
  failurePath,
  ROUTES,
  successPath,
} from '../conformance/adapter.js';
import type { ProviderServer } from '../helpers/op-server.js';
import { freePort } from './free-port.js';

const SECRET = 'c'.repeat(40);

const codeOf = (r: Exclude<CompleteResult, { status: 'success' }>) =>
  r.status === 'failure' ? r.code : r.status;

function rpAt(base: string): RelyingParty {
  return new RelyingParty({
    realm: `${base}/`,
    returnTo: `${base}${ROUTES.return}`,
    secret: SECRET,
    store: new MemoryStore(),
    fetch: { allowPrivateNetworks: true },
  });
}

function steamAt(base: string, ps: ProviderServer) {
  return steamLogin({
    realm: `${base}/`,
    returnTo: `${base}${ROUTES.return}`,
    secret: SECRET,
    fetch: { allowPrivateNetworks: true },
    opEndpoint: ps.endpoint,
    claimedIdPrefix: `${ps.base}/id/`,
    checkAuthOrigin: ps.base,
  });
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
}

async function webAdapter(
  make: (base: string) => RelyingParty,
  fixedProvider: boolean,
): Promise<AdapterUnderTest> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const handlers = rpHandlers(make(base), {
    allowGetLogin: fixedProvider,
    onSuccess: (r) => successPath(r.claimedId as string),
    onFailure: (r) => failurePath(codeOf(r)),
  });
  const server = createServer(
    nodeListener((req) => {
      const path = new URL(req.url).pathname;
      if (path === ROUTES.login) return handlers.login(req);
      if (path === ROUTES.return) return handlers.callback(req);
      return new Response('not found', { status: 404 });
    }),
  );
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { base, fixedProvider, close: closer(server) };
}

adapterConformance('Web handlers (rpHandlers)', (_ps) => webAdapter(rpAt, false));

adapterConformance('Steam preset routes (steamLogin + rpHandlers)', (ps) =>
  webAdapter((base) => steamAt(base, ps), true),
);

adapterConformance('Express (expressRp)', async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = express();
  const h = expressRp(rpAt(base), {
    onSuccess: (r) => successPath(r.claimedId as string),
    onFailure: (r) => failurePath(codeOf(r)),
  });
  app.post(ROUTES.login, h.login);
  app.get(ROUTES.login, h.login);
  app.all(ROUTES.return, h.callback);
  const server = await new Promise<Server>((r) => {
    const s = app.listen(port, '127.0.0.1', () => r(s));
  });
  return { base, fixedProvider: false, close: closer(server) };
});

adapterConformance('Fastify (openidFastify)', async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = Fastify();
  await app.register(openidFastify, {
    rp: rpAt(base),
    loginPath: ROUTES.login,
    onSuccess: (r) => successPath(r.claimedId as string),
    onFailure: (r) => failurePath(codeOf(r)),
  });
  await app.listen({ port, host: '127.0.0.1' });
  return { base, fixedProvider: false, close: () => app.close() };
});

/** A Passport app: the strategy on both routes, failures of the return to /sorry, refusals of a start as their status. */
async function passportAdapter(
  strategyFor: (base: string) => OpenIDStrategy,
  fixedProvider: boolean,
): Promise<AdapterUnderTest> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const passport = new Passport();
  const strategy = strategyFor(base);
  passport.use('openid', strategy);
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(passport.initialize());
  const route: express.RequestHandler = (req, res, next) =>
    passport.authenticate(
      'openid',
      { session: false },
      (err: unknown, user: unknown, info: { code?: string } | undefined, status?: number) => {
        if (err) return next(err);
        if (user) return res.redirect(303, successPath(user as string));
        if (status !== undefined && status !== 401) return res.status(status).json(info ?? null);
        res.redirect(303, failurePath(info?.code ?? 'cancel'));
      },
    )(req, res, next);
  app.post(ROUTES.login, route);
  app.get(ROUTES.login, route);
  app.all(ROUTES.return, route);
  const { server } = await listenOn(app, port);
  return { base, fixedProvider, close: closer(server) };
}

function listenOn(app: express.Express, port: number): Promise<{ server: Server }> {
  return new Promise((r) => {
    const s = app.listen(port, '127.0.0.1', () => r({ server: s }));
  });
}

adapterConformance('Passport (OpenIDStrategy)', () =>
  passportAdapter(
    (base) =>
      new OpenIDStrategy(
        {
          returnURL: `${base}${ROUTES.return}`,
          realm: `${base}/`,
          secret: SECRET,
          fetch: { allowPrivateNetworks: true },
        },
        (id: string, done: (err: unknown, user?: unknown) => void) => done(null, id),
      ),
    false,
  ),
);

adapterConformance('Passport (SteamStrategy)', (ps) =>
  passportAdapter(
    (base) =>
      new SteamStrategy(
        { returnURL: `${base}${ROUTES.return}`, relyingParty: steamAt(base, ps), profile: false },
        (id: string, _profile: unknown, done: (err: unknown, user?: unknown) => void) => done(null, id),
      ),
    true,
  ),
);
