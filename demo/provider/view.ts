/** What every provider page shares: its dependencies, the identity URL, the navigation and the page frame. */
import type { Provider } from 'openid2';
import type { DemoAccountBook } from '../accounts.js';
import { type Ctx, htmlResponse } from '../http.js';
import { h, page, type Raw } from '../layout.js';

/** What the provider's handlers work with. */
export interface ProviderDeps {
  readonly op: Provider;
  readonly accounts: DemoAccountBook;
}

/** The OpenID of a demo account. */
export const identityUrl = (ctx: Ctx, username: string): string => `${ctx.base}/op/id/${username}`;

/** The provider's endpoint URL. */
export const endpointUrl = (ctx: Ctx): string => `${ctx.base}/op/openid`;

/** The header links: who is signed in, or where to sign in. */
export function nav(ctx: Ctx): [string, string][] {
  return ctx.session.username
    ? [
        ['/op/', `provider: ${ctx.session.username}`],
        ['/', 'relying party'],
      ]
    : [
        ['/op/login', 'provider sign-in'],
        ['/op/signup', 'sign up'],
        ['/', 'relying party'],
      ];
}

/** The hidden CSRF field every provider form carries. */
export const csrfField = (ctx: Ctx): Raw =>
  h`<input type="hidden" name="csrf" value="${ctx.sessions.csrf(ctx.sessionId)}">`;

/** A provider page. */
export const show = (ctx: Ctx, title: string, body: Raw, status = 200): Response =>
  htmlResponse(ctx, page(title, body, nav(ctx)), status);

/** A form that came without this session's CSRF token. */
export const formExpired = (ctx: Ctx): Response =>
  show(ctx, 'Forbidden', h`<p class="error">The form expired; go back and try again.</p>`, 403);

/** A consent or switch for a sign-in request the session no longer holds. */
export const requestExpired = (ctx: Ctx): Response =>
  show(
    ctx,
    'Expired',
    h`<p class="error">This sign-in request has expired. Start again at the site.</p>`,
    400,
  );
