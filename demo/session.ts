/**
 * Browser sessions of the demo: an id in a signed HttpOnly cookie, data in
 * memory (a demo restarts with everyone signed out), a CSRF token per
 * session for every form.
 */
import { randomBytes } from 'node:crypto';
import { cookieValues } from 'openid2/protocol';
import {
  checkCsrf,
  csrfToken,
  randomId,
  serializeCookie,
  signCookieValue,
  verifyCookieValue,
} from './cookies.js';

export interface SessionData {
  username?: string;
  /** Checkid requests waiting for the user's decision, by id. */
  pending: Map<string, Record<string, string>>;
  /** The demo site's signed-in user (verified claimed id and the signed attributes it received). */
  rpUser?: { claimedId: string; provider: string; verifiedBy: string; attributes: [string, string | null][] };
  /** What the user last typed in the site's sign-in box, and why it failed (shown once, input kept). */
  rpLast?: { identifier: string; error?: { text: string; code: string } };
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
    // Of several session cookies (tossed ones among them), the first whose MAC verifies and that names a live session.
    let id: string | null = null;
    for (const raw of cookieValues(request.headers.get('cookie'), COOKIE)) {
      const candidate = verifyCookieValue(this.secret, COOKIE, raw);
      if (candidate !== null && this.#data.has(candidate)) {
        id = candidate;
        break;
      }
    }
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

  /**
   * Give a session a new id (at sign-in: a session id seen before sign-in, e.g. planted by another
   * site, must not become a signed-in one). The data moves; the old id is forgotten.
   */
  rotate(oldId: string, request: Request): { id: string; setCookie: string } {
    const data = this.#data.get(oldId) ?? { pending: new Map() };
    this.#data.delete(oldId);
    const id = randomId();
    this.#data.set(id, data);
    const secure = new URL(request.url).protocol === 'https:';
    return { id, setCookie: serializeCookie(COOKIE, signCookieValue(this.secret, COOKIE, id), { secure }) };
  }

  csrf(id: string): string {
    return csrfToken(this.secret, id);
  }

  checkCsrf(id: string, token: string | null): boolean {
    return checkCsrf(this.secret, id, token);
  }
}
