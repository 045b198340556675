/**
 * The cookie that carries a login's state token from the login route to the
 * return route. The token is already authenticated by the relying party
 * (HMAC with its secret, see rp/state.ts), so the cookie only has to keep it
 * away from scripts (HttpOnly), from cross-site subrequests (SameSite=Lax)
 * and, on https sites, from plain-http requests (Secure) and from cookies
 * tossed by sibling subdomains or plain-http pages: its name there is
 * `__Host-openid2_state`, which browsers accept only with Secure, Path=/ and
 * no Domain, from a secure origin of this very host (issue 18, item 5).
 * Where several state cookies still arrive, the adapter asks the relying
 * party which one belongs to the response ({@link RelyingParty.selectState}).
 */
import { cookieValues } from './cookie-header.js';

/** How the state cookie is written. Every field has a safe default. */
export interface StateCookieOptions {
  /**
   * Cookie name. Default `__Host-openid2_state` when the cookie is Secure (https return_to), else
   * `openid2_state`. A `__Host-` name requires Secure and Path=/; a `__Secure-` name requires Secure.
   */
  name?: string;
  /**
   * Cookie path. Default `/` for a `__Host-` cookie (the prefix demands it), else the path of the
   * relying party's return_to, so only the return route sees it.
   */
  path?: string;
  /** Secure attribute. Default: true when return_to is https. */
  secure?: boolean;
  /** Lifetime in seconds. Default 600 (a login that takes longer starts again). */
  maxAgeSeconds?: number;
}

/** The resolved cookie settings of one relying party. */
export interface ResolvedStateCookie {
  readonly name: string;
  readonly path: string;
  readonly secure: boolean;
  readonly maxAgeSeconds: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Fill in the defaults of a state cookie for a relying party whose return_to is `returnTo`. */
export function resolveStateCookie(returnTo: string, options: StateCookieOptions = {}): ResolvedStateCookie {
  const url = new URL(returnTo);
  const secure = options.secure ?? url.protocol === 'https:';
  const name = options.name ?? (secure ? '__Host-openid2_state' : 'openid2_state');
  if (!TOKEN.test(name)) throw new TypeError(`not a valid cookie name: ${name}`);
  // Browsers match the prefixes case-insensitively (RFC 6265bis §4.1.3).
  const hostPrefixed = /^__host-/i.test(name);
  const path = options.path ?? (hostPrefixed ? '/' : url.pathname);
  if (!path.startsWith('/') || /[;\s]/.test(path)) throw new TypeError(`not a valid cookie path: ${path}`);
  if (hostPrefixed && (!secure || path !== '/')) {
    throw new TypeError(
      `a ${name} cookie needs Secure and Path=/ (browsers drop it otherwise); to use another path, pass a name without the __Host- prefix`,
    );
  }
  if (/^__secure-/i.test(name) && !secure) throw new TypeError(`a ${name} cookie needs Secure`);
  return { name, path, secure, maxAgeSeconds: options.maxAgeSeconds ?? 600 };
}

/** `Set-Cookie` value that stores `token`. */
export function setStateCookie(cookie: ResolvedStateCookie, token: string): string {
  // The token is base64url and dots only; anything else would mean a bug upstream.
  if (!/^[A-Za-z0-9._-]+$/.test(token)) throw new TypeError('state token has unexpected characters');
  return `${cookie.name}=${token}; Path=${cookie.path}; Max-Age=${cookie.maxAgeSeconds}; HttpOnly; SameSite=Lax${cookie.secure ? '; Secure' : ''}`;
}

/** `Set-Cookie` value that deletes the state cookie (after it has been used once). */
export function clearStateCookie(cookie: ResolvedStateCookie): string {
  return `${cookie.name}=; Path=${cookie.path}; Max-Age=0; HttpOnly; SameSite=Lax${cookie.secure ? '; Secure' : ''}`;
}

/**
 * Every state cookie value of a `Cookie` request header, in the order sent.
 * Several mean parallel logins or tossed cookies: never take the first, ask
 * {@link RelyingParty.selectState} which one the response belongs to.
 */
export function readStateCookies(cookie: ResolvedStateCookie, header: string | null | undefined): string[] {
  return cookieValues(header, cookie.name);
}
