/**
 * `openid2 demo`: one process serving a demo provider under /op/ and a demo
 * relying party under /, on 127.0.0.1, with a shared store (SQLite by
 * default) and accounts in SQLite (both in memory with `--store memory:`).
 */

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type OpenIDStore, openStore, Provider, RelyingParty } from 'openid2';
import { nodeListener } from 'openid2/node';
import { type DemoAccountBook, DemoAccounts, MemoryDemoAccounts } from './accounts.js';
import type { Ctx } from './http.js';
import { htmlResponse } from './http.js';
import { h, page } from './layout.js';
import { type DemoMigration, startDemoMigration } from './migrate/index.js';
import { providerRoutes } from './provider/routes.js';
import { rpRoutes } from './rp/routes.js';
import { Sessions } from './session.js';

export interface DemoOptions {
  port?: number;
  host?: string;
  /** Store URL; default `sqlite:./openid2-demo.db`. */
  store?: string;
  /**
   * Accounts database: `memory:` keeps them in memory (no better-sqlite3 needed); default
   * `memory:` with a `memory:` store, the SQLite store's file, else `./openid2-demo-accounts.db`.
   */
  accounts?: string;
  /** Errors inside handlers. */
  onError?: (e: unknown) => void;
}

export interface RunningDemo {
  url: string;
  providerUrl: string;
  /** Set when the asked-for port was taken and the demo moved to the next free one. */
  portNote?: string;
  close(): Promise<void>;
}

/** The demo's accounts: in memory for `memory:`, else in a SQLite file (see {@link DemoOptions.accounts}). */
function openAccounts(storeUrl: string, accounts: string | undefined): DemoAccountBook {
  const where =
    accounts ??
    (/^memory:/i.test(storeUrl)
      ? 'memory:'
      : /^sqlite:/i.test(storeUrl) && storeUrl.length > 7
        ? storeUrl.slice(7)
        : './openid2-demo-accounts.db');
  return where === 'memory:' ? new MemoryDemoAccounts() : new DemoAccounts(where);
}

/** What answers a request, filled in once the port (and so the origin) is known. */
interface DemoApp {
  base: string;
  readonly sessions: Sessions;
  /** Tried in order; the first that answers wins. */
  handlers: ((ctx: Ctx) => Promise<Response | null>)[];
  migration: DemoMigration | null;
}

/**
 * One origin: the state and session cookies are per host, so localhost and 127.0.0.1 must not
 * both be in use. Every request on another Host goes to the same path on the printed origin.
 */
function toOneOrigin(request: Request, url: URL, base: string): Response | null {
  if (url.host === new URL(base).host) return null;
  const safe = request.method === 'GET' || request.method === 'HEAD';
  const to = new URL(safe ? url.pathname + url.search : '/', base);
  return new Response(null, {
    status: 303,
    headers: { location: to.toString(), 'cache-control': 'no-store' },
  });
}

/** The request as the routes see it: its session, its form (read once), the cookies to set. */
async function contextOf(request: Request, url: URL, app: DemoApp): Promise<Ctx> {
  const s = app.sessions.get(request);
  const urlencoded = (request.headers.get('content-type') ?? '').includes(
    'application/x-www-form-urlencoded',
  );
  const form = request.method === 'POST' && urlencoded ? new URLSearchParams(await request.text()) : null;
  return {
    request,
    url,
    base: app.base,
    sessionId: s.id,
    session: s.data,
    sessions: app.sessions,
    form,
    cookies: s.setCookie ? [s.setCookie] : [],
  };
}

function notFound(ctx: Ctx): Response {
  const body = h`<h1>Page not found</h1><p>There is nothing at <code>${ctx.url.pathname}</code>.</p><p><a href="/">The demo site</a> · <a href="/op/">the demo provider</a></p>`;
  const nav: [string, string][] = [
    ['/', 'relying party'],
    ['/op/', 'provider'],
  ];
  return htmlResponse(ctx, page('Not found', body, nav), 404);
}

async function handle(app: DemoApp, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const elsewhere = toOneOrigin(request, url, app.base);
  if (elsewhere) return elsewhere;
  const ctx = await contextOf(request, url, app);
  for (const handler of app.handlers) {
    const answer = await handler(ctx);
    if (answer) return answer;
  }
  return notFound(ctx);
}

/** The store, or the accounts closed and the error passed on. */
async function openStoreOrClose(storeUrl: string, accounts: DemoAccountBook): Promise<OpenIDStore> {
  try {
    return await openStore(storeUrl);
  } catch (e) {
    accounts.close();
    throw e;
  }
}

/** The provider, the site and the OpenID Connect move, on the origin now known. */
async function mount(app: DemoApp, store: OpenIDStore, accounts: DemoAccountBook): Promise<void> {
  const base = app.base;
  const op = new Provider({ endpoint: `${base}/op/openid`, store, fetch: { allowPrivateNetworks: true } });
  const rp = new RelyingParty({
    realm: `${base}/`,
    returnTo: `${base}/rp/return`,
    secret: randomBytes(32),
    store,
    fetch: { allowPrivateNetworks: true },
  });
  const migration = await startDemoMigration({ base, accounts, sessions: app.sessions });
  const site = rpRoutes(rp, { canMoveToOpenIDConnect: migration !== null });
  const provider = providerRoutes(op, accounts);
  app.migration = migration;
  app.handlers = [
    async (ctx) => (await migration?.handle(ctx)) ?? null,
    (ctx) => provider.handle(ctx),
    (ctx) => site.handle(ctx),
  ];
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const storeUrl = options.store ?? 'sqlite:./openid2-demo.db';
  // Accounts first: when better-sqlite3 is missing, its error says what to install or to use memory:.
  const accounts = openAccounts(storeUrl, options.accounts);
  const store = await openStoreOrClose(storeUrl, accounts);
  const host = options.host ?? '127.0.0.1';
  const app: DemoApp = { base: '', sessions: new Sessions(), handlers: [], migration: null };
  const listener = nodeListener((request) => handle(app, request), {
    maxBodyBytes: 256 * 1024,
    onError: options.onError ?? ((e) => console.error(e)),
  });
  const server: Server = createServer((req, res) => {
    if (app.migration?.nodeHandler(req, res)) return;
    listener(req, res);
  });
  const asked = options.port ?? 3000;
  const port = await listenOnFreePort(server, asked, host);
  const portNote = port !== asked && asked !== 0 ? `port ${asked} is taken; using ${port}` : undefined;
  app.base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  await mount(app, store, accounts);
  return {
    url: `${app.base}/`,
    providerUrl: `${app.base}/op/`,
    ...(portNote === undefined ? {} : { portNote }),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      accounts.close();
      await store.close?.();
    },
  };
}

/** Listen on `port`, or the next free one of the 20 after it when it is taken; the port listened on. */
async function listenOnFreePort(server: Server, port: number, host: string): Promise<number> {
  for (let p = port, tries = 0; ; p++, tries++) {
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(p, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return (server.address() as AddressInfo).port;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code !== 'EADDRINUSE' || port === 0 || tries >= 20) throw e;
    }
  }
}
