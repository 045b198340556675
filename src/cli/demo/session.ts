/**
 * Browser sessions of the demo: an id in a signed HttpOnly cookie, data in
 * memory (a demo restarts with everyone signed out), a CSRF token per
 * session for every form.
 */
import { randomBytes } from 'node:crypto';
import {
  checkCsrf,
  csrfToken,
  parseCookies,
  randomId,
  serializeCookie,
  signCookieValue,
  verifyCookieValue,
} from './cookies.js';

export interface SessionData {
  username?: string;
  /** Checkid requests waiting for the user's decision, by id. */
  pending: Map<string, Record<string, string>>;
  /** The relying party's login state token. */
  rpState?: string;
  flash?: string;
  /** The site's signed-in OpenID 2.0 claimed identifier (for the move to OpenID Connect). */
  openid2ClaimedId?: string;
  /** The site's OpenID Connect sign-in in progress (PKCE verifier, nonce). */
  oidcLogin?: { verifier: string; nonce: string };
}

const COOKIE = 'openid2_demo';

export class Sessions {
  readonly secret = randomBytes(32);
  readonly #data = new Map<string, SessionData>();

  /** The session of a request, creating one (and a Set-Cookie) when there is none. */
  get(request: Request): { id: string; data: SessionData; setCookie: string | null } {
    const raw = parseCookies(request.headers.get('cookie') ?? undefined).get(COOKIE);
    const id = raw ? verifyCookieValue(this.secret, COOKIE, raw) : null;
    if (id && this.#data.has(id)) return { id, data: this.#data.get(id) as SessionData, setCookie: null };
    const fresh = randomId();
    const data: SessionData = { pending: new Map() };
    this.#data.set(fresh, data);
    if (this.#data.size > 10_000) this.#data.delete(this.#data.keys().next().value as string);
    const secure = new URL(request.url).protocol === 'https:';
    return {
      id: fresh,
      data,
      setCookie: serializeCookie(COOKIE, signCookieValue(this.secret, COOKIE, fresh), { secure }),
    };
  }

  csrf(id: string): string {
    return csrfToken(this.secret, id);
  }

  checkCsrf(id: string, token: string | null): boolean {
    return checkCsrf(this.secret, id, token);
  }
}
