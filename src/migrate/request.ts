/**
 * Relying-party side of OpenID 2.0 to OpenID Connect Migration 1.0 §2:
 * the parameters that ask an OpenID Connect provider for the user's
 * OpenID 2.0 identifier beside the new `sub`.
 */
import { Realm } from '../protocol/realm.js';

/** The scope value that asks for the `openid2_id` claim (Migration §2). */
export const OPENID2_SCOPE = 'openid2';

/** Authorization request parameters added by {@link openid2AuthorizationParams}. */
export interface OpenID2AuthorizationParams {
  /** The `scope` with `openid` and `openid2` present (each once). */
  readonly scope: string;
  /** The realm the site used as `openid.realm` under OpenID 2.0. */
  readonly openid2_realm: string;
}

/**
 * The parameters to add to an OpenID Connect authentication request so the
 * provider returns the user's OpenID 2.0 identifier (Migration §2): the
 * `openid2` scope value and `openid2_realm`, the exact realm the site sent
 * as `openid.realm` under OpenID 2.0 (a provider that issued per-realm
 * identifiers finds the user's old identifier by it, and checks that the
 * `redirect_uri` lies within it, Migration §3).
 *
 * Throws TypeError when `realm` is not a realm (OpenID 2.0 §9.2): that is
 * a configuration mistake, not input from the network.
 *
 * @example
 * const url = client.buildAuthorizationUrl(config, {
 *   redirect_uri, nonce, code_challenge, code_challenge_method: 'S256',
 *   ...openid2AuthorizationParams('https://app.example/', { scope: 'openid email' }),
 * });
 * @see OpenID 2.0 to OpenID Connect Migration 1.0 §2
 */
export function openid2AuthorizationParams(
  realm: string,
  options: { scope?: string } = {},
): OpenID2AuthorizationParams {
  if (Realm.parse(realm) === null)
    throw new TypeError(`${realm} is not an OpenID 2.0 realm (OpenID 2.0 §9.2)`);
  return { scope: withOpenID2Scope(options.scope ?? 'openid'), openid2_realm: realm };
}

/**
 * Adds `openid` and `openid2` to a space-separated scope, keeping the
 * other values and their order.
 *
 * @example withOpenID2Scope('openid email') // 'openid email openid2'
 */
export function withOpenID2Scope(scope: string): string {
  const values = scope.split(' ').filter((v) => v !== '');
  for (const needed of ['openid', OPENID2_SCOPE]) if (!values.includes(needed)) values.push(needed);
  return values.join(' ');
}

/**
 * Sets the migration parameters on an authorization URL already built
 * (for libraries that return a URL rather than take extra parameters).
 *
 * @example const url = addOpenID2Realm(new URL(authorizationUrl), 'https://app.example/');
 * @see OpenID 2.0 to OpenID Connect Migration 1.0 §2
 */
export function addOpenID2Realm(url: URL, realm: string): URL {
  const out = new URL(url);
  const params = openid2AuthorizationParams(realm, { scope: out.searchParams.get('scope') ?? 'openid' });
  out.searchParams.set('scope', params.scope);
  out.searchParams.set('openid2_realm', params.openid2_realm);
  return out;
}
