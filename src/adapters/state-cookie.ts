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
import { cookieValues, parseCookieHeader } from './cookie-header.js';

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
  /**
   * Most logins one browser may have pending at once (one cookie each, issue 20). Default 5; when a
   * browser starts one more, the oldest pending cookies it sent are cleared.
   */
  maxPending?: number;
}

/** The resolved cookie settings of one relying party. */
export interface ResolvedStateCookie {
  readonly name: string;
  readonly path: string;
  readonly secure: boolean;
  readonly maxAgeSeconds: number;
  readonly maxPending: number;
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
  const maxPending = options.maxPending ?? 5;
  if (!Number.isInteger(maxPending) || maxPending < 1)
    throw new TypeError('maxPending must be a positive integer');
  return { name, path, secure, maxAgeSeconds: options.maxAgeSeconds ?? 600, maxPending };
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

/*
 * Several logins at once (issue 20). Each pending login has its own cookie,
 * named after its per-login nonce (`openid2.rp_nonce` of its return_to):
 * `<name>.<tag>`, where the tag is a short hash of the nonce. Two tabs then
 * never overwrite each other's state, and the return route finds its cookie
 * from the nonce the response carries. The tag only finds the cookie; the
 * relying party still checks the token's MAC and that its nonce is this
 * response's ({@link RelyingParty.selectState}), so a guessed or tossed
 * cookie of the right name gains nothing.
 */

/** The value a used login's cookie holds for a while, so that a second visit reads as `state_used`. */
export const USED_STATE = 'used';

/** A short, cookie-name-safe tag of a per-login nonce (FNV-1a, 2 × 32 bits, hex). Not a secret. */
export function nonceTag(nonce: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < nonce.length; i++) {
    const c = nonce.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 7);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** The cookie name of the pending login whose nonce is `nonce`. */
export function pendingCookieName(cookie: ResolvedStateCookie, nonce: string): string {
  return `${cookie.name}.${nonceTag(nonce)}`;
}

function attributes(cookie: ResolvedStateCookie, maxAge: number): string {
  return `; Path=${cookie.path}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${cookie.secure ? '; Secure' : ''}`;
}

/** `Set-Cookie` value that stores `token` for the pending login whose nonce is `nonce`. */
export function setPendingStateCookie(cookie: ResolvedStateCookie, nonce: string, token: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(token)) throw new TypeError('state token has unexpected characters');
  return `${pendingCookieName(cookie, nonce)}=${token}${attributes(cookie, cookie.maxAgeSeconds)}`;
}

/**
 * `Set-Cookie` value that replaces a finished login's cookie with {@link USED_STATE}: the token is
 * gone, and a reload or a back button on the return URL is told apart from a lost cookie.
 */
export function markPendingStateUsed(cookie: ResolvedStateCookie, nonce: string): string {
  return `${pendingCookieName(cookie, nonce)}=${USED_STATE}${attributes(cookie, cookie.maxAgeSeconds)}`;
}

/** What the browser sent for the login whose nonce is `nonce`. */
export interface PendingState {
  /** State tokens that may belong to it: its own cookie's, then any under the plain name (older versions). */
  readonly candidates: string[];
  /** Its cookie says the login was finished already. */
  readonly used: boolean;
}

/** The cookies of the login whose nonce is `nonce` (null: the response carries no nonce). */
export function readPendingState(
  cookie: ResolvedStateCookie,
  header: string | null | undefined,
  nonce: string | null,
): PendingState {
  const own = nonce === null ? [] : cookieValues(header, pendingCookieName(cookie, nonce));
  const tokens = own.filter((v) => v !== USED_STATE);
  return {
    candidates: [...tokens, ...cookieValues(header, cookie.name)],
    used: tokens.length === 0 && own.includes(USED_STATE),
  };
}

/**
 * `Set-Cookie` values that clear the oldest pending logins a browser sent, so that with the one
 * being started it keeps at most `maxPending` (cookies are sent roughly oldest first).
 */
export function clearExcessPending(cookie: ResolvedStateCookie, header: string | null | undefined): string[] {
  const prefix = `${cookie.name}.`;
  const pending = [
    ...new Set(
      parseCookieHeader(header)
        .filter((p) => p.name.startsWith(prefix) && p.value !== '' && p.value !== USED_STATE)
        .map((p) => p.name),
    ),
  ];
  const excess = pending.length - (cookie.maxPending - 1);
  return pending.slice(0, Math.max(0, excess)).map((n) => `${n}=${attributes(cookie, 0)}`);
}
