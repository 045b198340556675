/**
 * The cookie that carries a login's state token from the login route to the
 * return route. The token is already authenticated by the relying party
 * (HMAC with its secret, see rp/state.ts), so the cookie only has to keep it
 * away from scripts (HttpOnly), from cross-site subrequests (SameSite=Lax)
 * and, on https sites, from plain-http requests (Secure).
 */

/** How the state cookie is written. Every field has a safe default. */
export interface StateCookieOptions {
  /** Cookie name. Default `openid2_state`. */
  name?: string;
  /** Cookie path. Default: the path of the relying party's return_to, so only the return route sees it. */
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
  const name = options.name ?? 'openid2_state';
  if (!TOKEN.test(name)) throw new TypeError(`not a valid cookie name: ${name}`);
  const path = options.path ?? url.pathname;
  if (!path.startsWith('/') || /[;\s]/.test(path)) throw new TypeError(`not a valid cookie path: ${path}`);
  return {
    name,
    path,
    secure: options.secure ?? url.protocol === 'https:',
    maxAgeSeconds: options.maxAgeSeconds ?? 600,
  };
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

/** The state cookie's value from a `Cookie` request header, or undefined. */
export function readStateCookie(
  cookie: ResolvedStateCookie,
  header: string | null | undefined,
): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === cookie.name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}
