/**
 * The two steps of a relying-party login, independent of any web framework:
 * start (check the request may start a login, call `begin()`, hand out the
 * state cookie) and finish (read the state cookie, call `complete()`, clear
 * the cookie). The Web, Express, Fastify and Passport adapters are thin
 * translations of these two functions.
 */

import { OPENID_NS } from '../protocol/message.js';
import type { BeginOptions, RelyingParty } from '../rp/relying-party.js';
import type { CompleteResult, FailureResult } from '../rp/result.js';
import { rpNonceOf } from '../rp/rp-nonce.js';
import { resubmitPageFor } from './resubmit.js';
import {
  clearExcessPending,
  clearStateCookie,
  markPendingStateUsed,
  type ResolvedStateCookie,
  readPendingState,
  resolveStateCookie,
  type StateCookieOptions,
  setPendingStateCookie,
  setStateCookie,
} from './state-cookie.js';

/**
 * The one shape every adapter translates into its framework's response: a
 * status, headers (`set-cookie` may repeat; every other name once) and a body.
 */
export interface HttpAnswer {
  /** HTTP status: 303 (redirect), 200 (a page), or the refusal's 4xx. */
  readonly status: number;
  /** Lower-case header names with their values, in order; `set-cookie` may repeat. */
  readonly headers: readonly (readonly [string, string])[];
  /** Text or HTML (see the `content-type` header); empty for a redirect. */
  readonly body: string;
}

/** What the flow needs to know of an incoming HTTP request. */
export interface FlowRequest {
  /** HTTP method, upper case. */
  readonly method: string;
  /** The absolute URL the request was made to, as the relying party is reached (scheme, host, path, query). */
  readonly url: string;
  /** A request header (case-insensitive), or null. */
  header(name: string): string | null;
  /** The urlencoded form body of a POST, or null when there is none. */
  readonly form: URLSearchParams | Readonly<Record<string, unknown>> | null;
}

/** Options shared by every relying-party adapter. */
export interface LoginFlowOptions {
  /** Form (or, with `allowGetLogin`, query) field holding what the user typed. Default `openid_identifier`. */
  identifierField?: string;
  /**
   * Let a GET request start a login. Off by default: a cross-site GET could
   * otherwise make the server discover any URL on a visitor's behalf and
   * start logins the visitor did not ask for (security case SE-04).
   */
  allowGetLogin?: boolean;
  /**
   * Origins (besides the return_to's and the request's own) whose pages may
   * POST to the login route. A POST whose `Origin` (or, without it, `Referer`
   * or `Sec-Fetch-Site`) shows another site is refused with 403 (SE-04).
   */
  allowedOrigins?: readonly string[];
  /**
   * Always log in with this identifier (a provider's OP identifier, e.g. a
   * "Sign in with Launchpad" button); what the user sends is ignored.
   */
  fixedIdentifier?: string;
  /** Extensions, immediate mode and the like for each login. */
  beginOptions?: BeginOptions | ((request: FlowRequest) => BeginOptions | Promise<BeginOptions>);
  /** How the state cookie is written. */
  stateCookie?: StateCookieOptions;
  /**
   * Where a login started on another host than the return_to's goes first (issue 20: the state
   * cookie is per host, so `localhost` and `127.0.0.1` never meet). Default `'redirect'`: a 303 to
   * the same page on the return_to's origin, where the user starts again. `'off'` keeps the login on
   * the host it arrived on (e.g. a proxy rewrites Host and `returnTo` is right anyway).
   */
  otherHost?: 'redirect' | 'off';
}

/** Outcome of {@link startLogin}: where to send the browser, or why not. */
export type LoginStart =
  | {
      readonly ok: true;
      /** 303 with `location`, or 200 with an auto-submitting form in `html` for requests too long for a URL. */
      readonly status: 303 | 200;
      readonly location?: string;
      readonly html?: string;
      readonly headers: readonly (readonly [string, string])[];
      /**
       * The login's state token (already in the `set-cookie` header), for adapters that keep it in
       * a session instead; absent when the login was sent to the configured host first.
       */
      readonly state?: string;
    }
  | {
      readonly ok: false;
      readonly status: 400 | 403 | 405;
      /** `login_method_not_allowed`, `cross_site_login`, `missing_identifier`, or a discovery / fetch error code. */
      readonly code: string;
      readonly message: string;
      readonly headers: readonly (readonly [string, string])[];
    };

/** Outcome of {@link finishLogin}: the verified result and the headers the return page must carry. */
export interface LoginFinish {
  /** What `complete()` decided. */
  readonly result: CompleteResult;
  /** Clears the state cookie; `Referrer-Policy: no-referrer` and `Cache-Control: no-store` (SE-06). */
  readonly headers: readonly (readonly [string, string])[];
}

/**
 * A provider's form POST that arrived without the state cookie: browsers do
 * not send a SameSite=Lax cookie with a cross-site POST, and providers answer
 * by form POST when the answer is longer than a URL may be (spec §5.2.1).
 * `html` is a page that posts the same fields back to the same URL from this
 * site, which the browser sends with the cookie; answer it with status 200
 * and `headers` (which leave the cookie in place). A login is re-posted once
 * at most, and only the state cookie's login can then complete: the re-post
 * adds no trust, it only lets the cookie travel.
 */
export interface LoginResubmit {
  /** The HTML page that posts the fields again from this site. */
  readonly resubmit: string;
  /** `Referrer-Policy: no-referrer`, `Cache-Control: no-store`; the state cookie is kept. */
  readonly headers: readonly (readonly [string, string])[];
}

/** A relying party whose provider is fixed (e.g. the Steam preset): its login needs no user input. */
interface FixedProvider {
  readonly needsUserInput: false;
}

function needsUserInput(rp: RelyingParty): boolean {
  return (rp as Partial<FixedProvider>).needsUserInput !== false;
}

const cookies = new WeakMap<RelyingParty, Map<string, ResolvedStateCookie>>();

/** The resolved state cookie of `rp` with `options` (memoised). */
export function stateCookieOf(rp: RelyingParty, options: StateCookieOptions = {}): ResolvedStateCookie {
  let byOptions = cookies.get(rp);
  if (!byOptions) {
    byOptions = new Map();
    cookies.set(rp, byOptions);
  }
  const key = JSON.stringify(options);
  let c = byOptions.get(key);
  if (!c) {
    c = resolveStateCookie(rp.returnTo, options);
    byOptions.set(key, c);
  }
  return c;
}

/** Whether a POST comes from a page of an allowed origin (SE-04). Fails closed when the browser says nothing. */
export function isSameSitePost(request: FlowRequest, allowed: ReadonlySet<string>): boolean {
  const origin = request.header('origin');
  // `Origin: null` comes from pages with Referrer-Policy no-referrer (and sandboxed frames): it says
  // nothing, so the browser's Sec-Fetch-Site (which no page can set) decides.
  if (origin !== null && origin !== 'null') return allowed.has(origin);
  const site = request.header('sec-fetch-site');
  if (site !== null) return site === 'same-origin';
  const referer = request.header('referer');
  if (referer === null) return false;
  try {
    return allowed.has(new URL(referer).origin);
  } catch {
    return false;
  }
}

function formValue(form: FlowRequest['form'], name: string): string | null {
  if (form === null) return null;
  if (form instanceof URLSearchParams) return form.get(name);
  const v = form[name];
  return typeof v === 'string' ? v : null;
}

const NO_STORE: readonly [string, string] = ['cache-control', 'no-store'];

/**
 * Start a login: refuse GET (unless allowed) and cross-site POSTs, read the
 * identifier, run `rp.begin()`, and return the redirect plus the state cookie.
 * Discovery failures come back as `ok: false` with status 400 and their code.
 */
export async function startLogin(
  rp: RelyingParty,
  request: FlowRequest,
  options: LoginFlowOptions = {},
): Promise<LoginStart> {
  const fail = (status: 400 | 403 | 405, code: string, message: string): LoginStart => ({
    ok: false,
    status,
    code,
    message,
    headers: status === 405 ? [NO_STORE, ['allow', 'POST']] : [NO_STORE],
  });
  const field = options.identifierField ?? 'openid_identifier';
  const home = otherHostRedirect(rp, request, options);
  if (home !== null) return { ok: true, status: 303, location: home, headers: [NO_STORE] };
  let input: string | null;
  if (request.method === 'POST') {
    const allowed = new Set([
      new URL(rp.returnTo).origin,
      new URL(request.url).origin,
      ...(options.allowedOrigins ?? []),
    ]);
    if (!isSameSitePost(request, allowed))
      return fail(403, 'cross_site_login', 'a login may only be started from this site');
    input = formValue(request.form, field);
  } else if (request.method === 'GET' && options.allowGetLogin) {
    input = new URL(request.url).searchParams.get(field);
  } else {
    return fail(405, 'login_method_not_allowed', 'start a login with a POST from this site');
  }
  if (options.fixedIdentifier !== undefined) input = options.fixedIdentifier;
  const wantsInput = needsUserInput(rp);
  if (wantsInput && (input === null || input.trim() === ''))
    return fail(400, 'missing_identifier', `no OpenID was given (form field ${field})`);
  const beginOptions =
    typeof options.beginOptions === 'function'
      ? await options.beginOptions(request)
      : (options.beginOptions ?? {});
  let auth: Awaited<ReturnType<RelyingParty['begin']>>;
  try {
    auth = await rp.begin(wantsInput ? (input as string).trim() : '', beginOptions);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (e instanceof Error && typeof code === 'string') return fail(400, code, e.message);
    throw e;
  }
  const cookie = stateCookieOf(rp, options.stateCookie);
  const returnTo = auth.message.get(OPENID_NS, 'return_to');
  const nonce = returnTo === undefined ? null : rpNonceOf(returnTo);
  const headers: [string, string][] = [];
  // One cookie per pending login, named after its nonce (tabs never collide); the oldest go past the bound.
  for (const c of clearExcessPending(cookie, request.header('cookie'))) headers.push(['set-cookie', c]);
  headers.push([
    'set-cookie',
    nonce === null ? setStateCookie(cookie, auth.state) : setPendingStateCookie(cookie, nonce, auth.state),
  ]);
  headers.push(NO_STORE as [string, string]);
  const state = auth.state;
  if (auth.shouldSendRedirect()) return { ok: true, status: 303, location: auth.redirectUrl, headers, state };
  headers.push(['content-type', 'text/html; charset=utf-8']);
  return { ok: true, status: 200, html: auth.formHtml(), headers, state };
}

/**
 * For a login started on another host than the return_to's (`localhost` vs `127.0.0.1`, `www.` vs
 * bare): the same page on the return_to's origin, else null. The page is the Referer's path when
 * the form was on this host, else `/`: the login itself is not carried over (a cross-origin POST
 * would be refused as login CSRF, SE-04), the user starts it again where the cookie will meet the return.
 */
export function otherHostRedirect(
  rp: RelyingParty,
  request: FlowRequest,
  options: Pick<LoginFlowOptions, 'otherHost'> = {},
): string | null {
  if (options.otherHost === 'off') return null;
  const home = new URL(rp.returnTo);
  const here = new URL(request.url);
  if (here.host === home.host) return null;
  let path = '/';
  const referer = request.header('referer');
  if (referer !== null) {
    try {
      const from = new URL(referer);
      if (from.host === here.host) path = from.pathname + from.search;
    } catch {
      // no usable Referer: the home page
    }
  }
  return new URL(path, home.origin).toString();
}

/** An {@link HttpAnswer} for a `LoginStart`: the redirect, the form page, or the refusal as text. */
export function startAnswer(start: LoginStart): HttpAnswer {
  if (!start.ok)
    return {
      status: start.status,
      headers: [...start.headers, ['content-type', 'text/plain; charset=utf-8']],
      body: `${start.message}\n`,
    };
  if (start.location !== undefined)
    return { status: 303, headers: [...start.headers, ['location', start.location]], body: '' };
  return { status: 200, headers: start.headers, body: start.html ?? '' };
}

/**
 * Finish a login: verify the provider's response with the state from the
 * cookie, and return the result with headers that clear the cookie and keep
 * the assertion out of `Referer` (the page should then redirect: SE-06).
 */
export async function finishLogin(
  rp: RelyingParty,
  request: FlowRequest,
  options: Pick<LoginFlowOptions, 'stateCookie'> = {},
): Promise<LoginFinish | LoginResubmit> {
  const body = request.method === 'POST' ? (request.form ?? new URLSearchParams()) : null;
  const taken = takePendingState(rp, request, options);
  if (taken.used) return { result: STATE_USED, headers: [['referrer-policy', 'no-referrer'], NO_STORE] };
  const resubmit = taken.state === undefined ? resubmitPageFor(request) : null;
  if (resubmit !== null) return { resubmit, headers: [['referrer-policy', 'no-referrer'], NO_STORE] };
  const result = await rp.complete(request.url, { state: taken.state, body });
  return {
    result,
    headers: [
      ...taken.setCookies.map((c) => ['set-cookie', c] as const),
      ['referrer-policy', 'no-referrer'],
      NO_STORE,
    ],
  };
}

/**
 * The {@link HttpAnswer} of a return: the re-post page, a 303 to `redirectTo` (post/redirect/get:
 * the signed assertion leaves the address bar, and a reload shows the app's page), or, with no
 * place to go, 401 with `failureText` for an unsuccessful login. Null for a success with no
 * place to go (the app answered it itself). The finish headers (cookie, no-referrer) are on each.
 */
export function returnAnswer(
  finish: LoginFinish | LoginResubmit,
  redirectTo: string | undefined,
): HttpAnswer | null {
  if ('resubmit' in finish)
    return {
      status: 200,
      headers: [...finish.headers, ['content-type', 'text/html; charset=utf-8']],
      body: finish.resubmit,
    };
  if (redirectTo !== undefined)
    return { status: 303, headers: [...finish.headers, ['location', redirectTo]], body: '' };
  if (finish.result.status === 'success') return null;
  return {
    status: 401,
    headers: [...finish.headers, ['content-type', 'text/plain; charset=utf-8']],
    body: failureText(finish.result),
  };
}

/** The outcome of a second visit to a return URL whose login this browser finished already. */
export const STATE_USED: FailureResult = Object.freeze({
  status: 'failure',
  code: 'state_used',
  message: 'this sign-in was finished already (a reload or the back button); start again if not signed in',
});

/** What {@link takePendingState} found for the login a response answers. */
export interface TakenState {
  /** The state token to complete with, if any arrived. */
  readonly state: string | undefined;
  /** The browser finished this login already (its cookie is marked used): answer `state_used`. */
  readonly used: boolean;
  /** `Set-Cookie` values to send with the answer: the login's cookie marked used, a plain-named one cleared. */
  readonly setCookies: readonly string[];
}

/**
 * Find the state of the login a response answers, among the cookies the browser sent: the cookie
 * named after the response's per-login nonce (issue 20), or one under the plain name (older
 * versions, tossed cookies), chosen by {@link RelyingParty.selectState}.
 */
export function takePendingState(
  rp: RelyingParty,
  request: FlowRequest,
  options: Pick<LoginFlowOptions, 'stateCookie'> = {},
): TakenState {
  const cookie = stateCookieOf(rp, options.stateCookie);
  const body = request.method === 'POST' ? (request.form ?? new URLSearchParams()) : null;
  const posted = formValue(body, 'openid.return_to');
  const nonce = rpNonceOf(request.url) ?? (posted === null ? null : rpNonceOf(posted));
  const header = request.header('cookie');
  const pending = readPendingState(cookie, header, nonce);
  const state = pickStateCookie(rp, pending.candidates, request.url, body);
  const setCookies: string[] = [];
  if (nonce !== null) setCookies.push(markPendingStateUsed(cookie, nonce));
  if (readStateCookiesPlain(cookie, header)) setCookies.push(clearStateCookie(cookie));
  return { state, used: pending.used, setCookies };
}

function readStateCookiesPlain(cookie: ResolvedStateCookie, header: string | null): boolean {
  return readPendingState(cookie, header, null).candidates.length > 0;
}

/**
 * The state to complete with, from every state cookie that arrived: the only
 * one, or the one whose per-login nonce matches the response (issue 18,
 * item 5). When several arrived and none matches, the first is passed on so
 * that complete() fails the login on its binding check, with its reason.
 */
export function pickStateCookie(
  rp: RelyingParty,
  values: readonly string[],
  currentUrl: string,
  body: URLSearchParams | Readonly<Record<string, unknown>> | null,
): string | undefined {
  if (values.length <= 1) return values[0];
  return rp.selectState(values, currentUrl, body) ?? values[0];
}

/** A short, inert text for a failed login (the code is from a fixed vocabulary; nothing from the response). */
export function failureText(result: Exclude<CompleteResult, { status: 'success' }>): string {
  if (result.status === 'cancel') return 'Sign-in was cancelled.\n';
  if (result.status === 'setup_needed') return 'The provider needs you to sign in there first.\n';
  return `Sign-in failed (${result.code.replace(/[^a-z0-9_]/gi, '')}).\n`;
}
