/** What the demo site's pages share: the navigation, the page frame, and Responses of the flow's answers. */
import type { HttpAnswer } from 'openid2/web';
import { type Ctx, htmlResponse } from '../http.js';
import { page, type Raw } from '../layout.js';
import { humanFailure } from './failures.js';

/** What the site's handlers work with besides the request. */
export interface RpOptions {
  /** Offer to move the signed-in account to OpenID Connect (the demo's migration provider runs). */
  canMoveToOpenIDConnect?: boolean;
}

export function nav(ctx: Ctx): [string, string][] {
  return [
    ctx.session.rpUser ? ['/rp/me', 'relying party: signed in'] : ['/', 'relying party'],
    ['/op/', 'provider'],
  ];
}

/** A page of the site. */
export const show = (ctx: Ctx, title: string, body: Raw, status = 200): Response =>
  htmlResponse(ctx, page(title, body, nav(ctx)), status);

/** A Response of the flow's answer, with the demo's own cookies and headers. */
export function answer(ctx: Ctx, a: HttpAnswer): Response {
  const headers = new Headers({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
  for (const [k, v] of a.headers) {
    if (k === 'set-cookie') headers.append(k, v);
    else headers.set(k, v);
  }
  for (const c of ctx.cookies) headers.append('set-cookie', c);
  return new Response(a.body === '' ? null : a.body, { status: a.status, headers });
}

/** A 303 to `location`, carrying the flow's headers (its state cookie changes). */
export const seeOther = (ctx: Ctx, location: string, headers: HttpAnswer['headers'] = []): Response =>
  answer(ctx, { status: 303, headers: [...headers, ['location', location]], body: '' });

/** Back to the sign-in page with a human error and the input kept (post/redirect/get). */
export function failed(ctx: Ctx, code: string, headers: HttpAnswer['headers'] = []): Response {
  ctx.session.rpLast = {
    identifier: ctx.session.rpLast?.identifier ?? '',
    error: { text: humanFailure(code), code },
  };
  return seeOther(ctx, '/', headers);
}
