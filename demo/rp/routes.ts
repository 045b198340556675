/**
 * The demo relying party under /: a login box taking any OpenID, a "sign in
 * with the demo provider" button (identifier_select, the way Steam logins
 * work), and a site session with a signed-in page and sign-out. Which
 * handler answers which path; each lives in its own module of this folder.
 */
import { type RelyingParty, rpReturnToXrds } from 'openid2';
import { type Ctx, textResponse } from '../http.js';
import { callback, login, logout } from './login.js';
import { home, me } from './pages.js';
import type { RpOptions } from './view.js';

export interface RpRoutes {
  /** The site's answer, or null for a path that is not the site's. */
  handle(ctx: Ctx): Promise<Response | null>;
}

/**
 * Relying-party discovery (spec §13): providers verify our return_to from the realm's XRDS;
 * the OpenID Connect callback too, which the provider checks against openid2_realm (Migration 1.0 §3).
 */
const returnToXrds = (ctx: Ctx): Response =>
  textResponse(
    ctx,
    rpReturnToXrds([`${ctx.base}/rp/return`, `${ctx.base}/rp/oidc/callback`]),
    200,
    'application/xrds+xml',
  );

export function rpRoutes(rp: RelyingParty, options: RpOptions = {}): RpRoutes {
  return {
    async handle(ctx) {
      const path = ctx.url.pathname;
      const method = ctx.request.method;
      if (path === '/' && method === 'GET')
        return (ctx.request.headers.get('accept') ?? '').includes('application/xrds+xml')
          ? returnToXrds(ctx)
          : home(ctx);
      if (path === '/rp/login' && method === 'POST') return login(ctx, rp);
      if (path === '/rp/return') return callback(ctx, rp);
      if (path === '/rp/me' && method === 'GET') return me(ctx, options);
      if (path === '/rp/logout' && method === 'POST') return logout(ctx);
      return null;
    },
  };
}
