/**
 * The demo provider under /op/: which handler answers which path. Each
 * handler lives in its own module of this folder.
 */
import type { Provider } from 'openid2';
import type { DemoAccountBook } from '../accounts.js';
import type { Ctx } from '../http.js';
import { switchAccount } from './account-choice.js';
import { consentPage, consentPost } from './consent.js';
import { endpoint } from './endpoint.js';
import { accountForm, accountPost, logout } from './login.js';
import { home, identityPage, opXrds } from './pages.js';
import { revokeSite, sitesPage } from './trusted-sites.js';
import type { ProviderDeps } from './view.js';

export interface ProviderRoutes {
  /** The provider's answer, or null for a path that is not the provider's. */
  handle(ctx: Ctx): Promise<Response | null>;
}

type Handler = (ctx: Ctx, deps: ProviderDeps) => Response | Promise<Response>;

/** Path → [GET handler, POST handler]; a missing one falls through (null). */
const ROUTES: Record<string, [Handler | null, Handler | null]> = {
  '/op': [home, home],
  '/op/': [home, home],
  '/op/xrds': [opXrds, null],
  '/op/openid': [endpoint, endpoint],
  '/op/consent': [consentPage, consentPost],
  '/op/login': [(ctx) => accountForm(ctx, 'login'), (ctx, deps) => accountPost(ctx, 'login', deps)],
  '/op/signup': [(ctx) => accountForm(ctx, 'signup'), (ctx, deps) => accountPost(ctx, 'signup', deps)],
  '/op/switch': [null, switchAccount],
  '/op/sites': [sitesPage, revokeSite],
  '/op/logout': [null, logout],
};

export function providerRoutes(op: Provider, accounts: DemoAccountBook): ProviderRoutes {
  const deps: ProviderDeps = { op, accounts };
  return {
    async handle(ctx) {
      const path = ctx.url.pathname;
      const id = /^\/op\/id\/([a-z0-9_-]{2,32})$/.exec(path);
      if (id) return identityPage(ctx, id[1] as string, deps);
      const handlers = Object.hasOwn(ROUTES, path) ? ROUTES[path] : undefined;
      const handler = handlers?.[ctx.request.method === 'POST' ? 1 : 0];
      return handler ? handler(ctx, deps) : null;
    },
  };
}
