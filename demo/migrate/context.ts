/** What both halves of the demo's OpenID Connect move share: the URLs, the client secret, the accounts. */
import type { DemoAccountBook } from '../accounts.js';
import type { Ctx } from '../http.js';
import { htmlResponse } from '../http.js';
import { page, type Raw } from '../layout.js';
import type { Sessions } from '../session.js';

export const CLIENT_ID = 'openid2-demo-site';

export type OidcProviderModule = typeof import('oidc-provider');
export type OpenIdClientModule = typeof import('openid-client');
export type OidcProvider = InstanceType<OidcProviderModule['default']>;

export interface MigrationContext {
  /** The demo's origin. */
  readonly base: string;
  /** The OpenID Connect issuer: `${base}/oidc`. */
  readonly issuer: string;
  /** The site's OpenID 2.0 realm, sent as openid2_realm. */
  readonly realm: string;
  /** The site's OpenID Connect callback. */
  readonly redirectUri: string;
  /** The site's client secret at the OpenID Connect provider. */
  readonly secret: string;
  readonly accounts: DemoAccountBook;
  readonly sessions: Sessions;
}

/** The OpenID 2.0 identity URL of a demo account. */
export const identityUrl = (m: MigrationContext, username: string): string => `${m.base}/op/id/${username}`;

/** A page of the site's side of the move. */
export const show = (ctx: Ctx, title: string, body: Raw, status = 200): Response =>
  htmlResponse(
    ctx,
    page(title, body, [
      ['/', 'relying party'],
      ['/op/', 'provider'],
    ]),
    status,
  );
