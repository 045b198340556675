/**
 * Web-standard (`Request` → `Response`) handlers for a relying party and a
 * provider: usable in Hono, Next.js route handlers, Bun, Deno-style servers,
 * or plain Node through `nodeListener()`.
 *
 * @example
 * const { login, callback } = rpHandlers(rp, {
 *   onSuccess: (result) => { session.user = result.claimedId; return '/'; }, // a string: 303 there
 * });
 * // POST /login -> login(request); GET|POST /login/return -> callback(request)
 */
import type { Provider } from '../op/provider.js';
import type { CheckIDRequest } from '../op/requests.js';
import type { OPResponse } from '../op/response.js';
import type { RelyingParty } from '../rp/relying-party.js';
import type { CancelResult, FailureResult, SetupNeededResult, SuccessResult } from '../rp/result.js';
import {
  type FlowRequest,
  finishLogin,
  type HttpAnswer,
  type LoginFlowOptions,
  returnAnswer,
  startAnswer,
  startLogin,
} from './login-flow.js';
import { FormTooLargeError, isFormContentType, readCappedText } from './read-form.js';

export type { FlowRequest, HttpAnswer, LoginFinish, LoginFlowOptions, LoginResubmit } from './login-flow.js';
export { finishLogin, returnAnswer, STATE_USED, startAnswer, startLogin } from './login-flow.js';
export type { StateCookieOptions } from './state-cookie.js';

/** A non-success result of `complete()`: failure, cancel or setup_needed. */
export type UnsuccessfulResult = FailureResult | CancelResult | SetupNeededResult;

/** What a hook answers: a `Response`, or a path / URL to 303 to (the usual "process, then redirect"). */
export type HookAnswer = Response | string;

/** Options of {@link rpHandlers}. */
export interface RpHandlersOptions extends LoginFlowOptions {
  /** The verified login: sign the user in (only `result.claimedId` identifies them) and answer. */
  onSuccess(result: SuccessResult, request: Request): HookAnswer | Promise<HookAnswer>;
  /** Failure, cancel or setup_needed. Default: 401 with a short plain-text reason. */
  onFailure?(result: UnsuccessfulResult, request: Request): HookAnswer | Promise<HookAnswer>;
  /** Largest form body read, in bytes. Default 64 KiB. */
  maxBodyBytes?: number;
}

/** The two routes of a relying party. */
export interface RpHandlers {
  /** Login route (POST by default): discovers the user's OpenID and redirects to their provider. */
  login(request: Request): Promise<Response>;
  /** Return route (return_to; GET or POST): verifies the answer and calls onSuccess / onFailure. */
  callback(request: Request): Promise<Response>;
}

async function readForm(request: Request, max: number): Promise<URLSearchParams | null> {
  if (request.method !== 'POST') return null;
  if (!isFormContentType(request.headers.get('content-type'))) return new URLSearchParams();
  return new URLSearchParams(await readCappedText(request, max));
}

/** A {@link FlowRequest} view of a Web `Request` (the body must be read first). */
export function flowRequestOf(request: Request, form: URLSearchParams | null): FlowRequest {
  return { method: request.method, url: request.url, header: (n) => request.headers.get(n), form };
}

function withHeaders(response: Response, headers: readonly (readonly [string, string])[]): Response {
  const h = new Headers(response.headers);
  for (const [k, v] of headers) {
    if (k === 'set-cookie') h.append(k, v);
    else h.set(k, v);
  }
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: h,
  });
}

/** The Web Response of an {@link HttpAnswer}. */
function responseOf(answer: HttpAnswer): Response {
  const h = new Headers();
  for (const [k, v] of answer.headers) {
    if (k === 'set-cookie') h.append(k, v);
    else h.set(k, v);
  }
  return new Response(answer.body === '' ? null : answer.body, { status: answer.status, headers: h });
}

function text(status: number, body: string, headers: readonly (readonly [string, string])[] = []): Response {
  const h = new Headers({ 'content-type': 'text/plain; charset=utf-8' });
  for (const [k, v] of headers) h.append(k, v);
  return new Response(body, { status, headers: h });
}

/** The urlencoded form of `request` (null when it has none), or a 413 answer when it is too large. */
async function formOr413(request: Request, max: number): Promise<URLSearchParams | null | Response> {
  try {
    return await readForm(request, max);
  } catch (e) {
    if (e instanceof FormTooLargeError) return text(413, 'request body too large\n');
    throw e;
  }
}

/**
 * Login and return handlers for a relying party. The state token travels in
 * an HttpOnly, SameSite=Lax cookie (Secure when return_to is https), used
 * once and cleared. The return page carries `Referrer-Policy: no-referrer`;
 * answer it with a redirect (return a string from the hooks) so the
 * assertion leaves the address bar (SE-06). A login starts with a POST from
 * this site only, unless `allowGetLogin` (SE-04).
 *
 * @see OpenID 2.0 §9 (request), §11 (verification)
 */
export function rpHandlers(rp: RelyingParty, options: RpHandlersOptions): RpHandlers {
  const max = options.maxBodyBytes ?? 64 * 1024;
  return {
    async login(request) {
      const form = await formOr413(request, max);
      if (form instanceof Response) return form;
      return responseOf(startAnswer(await startLogin(rp, flowRequestOf(request, form), options)));
    },
    async callback(request) {
      const form = await formOr413(request, max);
      if (form instanceof Response) return form;
      const finish = await finishLogin(rp, flowRequestOf(request, form), options);
      if ('resubmit' in finish) return responseOf(returnAnswer(finish, undefined) as HttpAnswer);
      const { result, headers } = finish;
      let answer: HookAnswer;
      if (result.status === 'success') answer = await options.onSuccess(result, request);
      else if (options.onFailure) answer = await options.onFailure(result, request);
      else return responseOf(returnAnswer(finish, undefined) as HttpAnswer);
      if (typeof answer === 'string') return responseOf(returnAnswer(finish, answer) as HttpAnswer);
      return withHeaders(answer, headers);
    },
  };
}

/** Options of {@link providerHandler}. */
export interface ProviderHandlerOptions {
  /**
   * Decide a checkid request: answer it (`request.allow({ identity })`
   * or `request.deny()`), or return your own `Response` (a login or
   * consent page) and answer later.
   */
  authorize(
    request: CheckIDRequest,
    httpRequest: Request,
  ): OPResponse | Response | Promise<OPResponse | Response>;
  /** Answer for a request that is not an OpenID message (no `openid.mode`). Default 400 text. */
  notOpenID?(httpRequest: Request): Response | Promise<Response>;
  /** Largest form body read, in bytes. Default 64 KiB. */
  maxBodyBytes?: number;
}

/**
 * The provider endpoint as a Web handler: associate and check_authentication
 * are answered by the Provider, checkid requests go to `authorize`, malformed
 * requests get the spec's error answer (§5.1.2.2 / §5.2.3).
 *
 * @example
 * const endpoint = providerHandler(op, {
 *   authorize: (req) => req.allow({ identity: `https://op.example/id/${user}` }),
 * });
 */
export function providerHandler(
  op: Provider,
  options: ProviderHandlerOptions,
): (request: Request) => Promise<Response> {
  const max = options.maxBodyBytes ?? 64 * 1024;
  return async (httpRequest) => {
    let params: URLSearchParams;
    try {
      params = (await readForm(httpRequest, max)) ?? new URL(httpRequest.url).searchParams;
    } catch (e) {
      if (e instanceof FormTooLargeError) return text(413, 'request body too large\n');
      throw e;
    }
    // The app may answer a checkid request with its own page: remember it, and give
    // respond() a throwaway negative answer (encoding it has no side effect).
    let own: Response | null = null;
    const web = await op.respond(params, async (request) => {
      const decided = await options.authorize(request, httpRequest);
      if (decided instanceof Response) {
        own = decided;
        return request.deny();
      }
      return decided;
    });
    if (own !== null) return own;
    if (web === null)
      return options.notOpenID ? options.notOpenID(httpRequest) : text(400, 'This is an OpenID endpoint.\n');
    return new Response(web.body || null, { status: web.status, headers: web.headers });
  };
}
