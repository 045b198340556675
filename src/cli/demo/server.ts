/**
 * `openid2 demo`: one process serving a demo provider under /op/ and a demo
 * relying party under /, on 127.0.0.1, with a shared store (SQLite by
 * default) and accounts in SQLite.
 */

import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nodeListener } from '../../adapters/node-http.js';
import { Provider } from '../../op/provider.js';
import { RelyingParty } from '../../rp/relying-party.js';
import { openStore } from '../../stores/open.js';
import type { OpenIDStore } from '../../stores/store.js';
import { DemoAccounts } from './accounts.js';
import type { Ctx } from './http.js';
import { textResponse } from './http.js';
import { type DemoMigration, startDemoMigration } from './migrate.js';
import { providerRoutes } from './provider-routes.js';
import { rpRoutes } from './rp-routes.js';
import { Sessions } from './session.js';

export interface DemoOptions {
  port?: number;
  host?: string;
  /** Store URL; default `sqlite:./openid2-demo.db`. */
  store?: string;
  /** Accounts database; default the SQLite store's file, else `./openid2-demo-accounts.db`. */
  accounts?: string;
  /** Errors inside handlers. */
  onError?: (e: unknown) => void;
}

export interface RunningDemo {
  url: string;
  providerUrl: string;
  close(): Promise<void>;
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const storeUrl = options.store ?? 'sqlite:./openid2-demo.db';
  const store: OpenIDStore = await openStore(storeUrl);
  const accountsPath =
    options.accounts ??
    (storeUrl.startsWith('sqlite:') && storeUrl.length > 7
      ? storeUrl.slice(7)
      : './openid2-demo-accounts.db');
  const accounts = new DemoAccounts(accountsPath);
  const host = options.host ?? '127.0.0.1';
  const sessions = new Sessions();
  let base = '';
  let routes: { op: ReturnType<typeof providerRoutes>; rp: ReturnType<typeof rpRoutes> } | null = null;
  let migration: DemoMigration | null = null;

  const listener = nodeListener(
    async (request) => {
      const url = new URL(request.url);
      const s = sessions.get(request);
      const form =
        request.method === 'POST' &&
        (request.headers.get('content-type') ?? '').includes('application/x-www-form-urlencoded')
          ? new URLSearchParams(await request.text())
          : null;
      const ctx: Ctx = {
        request,
        url,
        base,
        sessionId: s.id,
        session: s.data,
        sessions,
        form,
        cookies: s.setCookie ? [s.setCookie] : [],
      };
      const r = routes as NonNullable<typeof routes>;
      return (
        (await migration?.handle(ctx)) ??
        (await r.op.handle(ctx)) ??
        (await r.rp.handle(ctx)) ??
        textResponse(ctx, 'not found\n', 404)
      );
    },
    {
      maxBodyBytes: 256 * 1024,
      ...(options.onError ? { onError: options.onError } : { onError: (e) => console.error(e) }),
    },
  );
  const server: Server = createServer((req, res) => {
    if (migration?.nodeHandler(req, res)) return;
    listener(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  base = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const op = new Provider({ endpoint: `${base}/op/openid`, store, fetch: { allowPrivateNetworks: true } });
  const rp = new RelyingParty({
    realm: `${base}/`,
    returnTo: `${base}/rp/return`,
    secret: randomBytes(32),
    store,
    fetch: { allowPrivateNetworks: true },
  });
  migration = await startDemoMigration({ base, accounts, sessions });
  routes = {
    op: providerRoutes(op, accounts),
    rp: rpRoutes(rp, { canMoveToOpenIDConnect: migration !== null }),
  };
  return {
    url: `${base}/`,
    providerUrl: `${base}/op/`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      accounts.close();
      await store.close?.();
    },
  };
}
