/**
 * Express middleware for a relying party (login and return routes) and for
 * a provider endpoint. Express is an optional peer dependency: only its
 * types are used here, so `openid2` never loads it.
 *
 * @example
 * const { login, callback } = expressRp(rp, {
 *   onSuccess: (result, req) => { req.session.user = result.claimedId; return '/'; },
 * });
 * app.post('/login', login);
 * app.get('/login/return', callback);
 * app.post('/login/return', callback);
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Provider } from '../op/provider.js';
import type { CheckIDRequest } from '../op/requests.js';
import type { OPResponse } from '../op/response.js';
import type { RelyingParty } from '../rp/relying-party.js';
import type { SuccessResult } from '../rp/result.js';
import type { ExpressLikeRequest } from './express-like.js';
import {
  type FlowRequest,
  finishLogin,
  type HttpAnswer,
  type LoginFlowOptions,
  returnAnswer,
  startAnswer,
  startLogin,
} from './login-flow.js';
import { FormTooLargeError, isFormContentType, readNodeForm } from './read-form.js';
import type { UnsuccessfulResult } from './web.js';

/** What an Express hook returns: a path / URL to 303 to, or nothing when it answered `res` itself. */
export type ExpressHookAnswer = string | undefined;

/** Options of {@link expressRp}. */
export interface ExpressRpOptions extends LoginFlowOptions {
  /** The verified login. Sign the user in (e.g. `req.session`), then return where to go, or answer `res` yourself. */
  onSuccess(
    result: SuccessResult,
    req: Request,
    res: Response,
  ): ExpressHookAnswer | Promise<ExpressHookAnswer>;
  /** Failure, cancel or setup_needed. Default: 401 with a short plain-text reason. */
  onFailure?(
    result: UnsuccessfulResult,
    req: Request,
    res: Response,
  ): ExpressHookAnswer | Promise<ExpressHookAnswer>;
  /**
   * How the app is reached (`https://app.example`), used to rebuild the
   * current URL. Default: `req.protocol` and the Host header, which follow
   * Express's `trust proxy` setting.
   */
  baseUrl?: string;
  /** Largest form body read when no body parser ran, in bytes. Default 64 KiB. */
  maxBodyBytes?: number;
}

/** The two routes of a relying party, as Express handlers. */
export interface ExpressRpHandlers {
  /** Login route (POST; GET with `allowGetLogin`). */
  login: RequestHandler;
  /** Return route (return_to), for GET and POST. */
  callback: RequestHandler;
}

function currentUrl(req: ExpressLikeRequest, baseUrl: string | undefined): string {
  const base = baseUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  return new URL(req.originalUrl, base).toString();
}

/** The form body: what a body parser left in `req.body`, else read from the stream. */
async function formOf(req: ExpressLikeRequest, max: number): Promise<FlowRequest['form']> {
  if (req.method !== 'POST') return null;
  const parsed: unknown = req.body;
  if (parsed !== undefined && parsed !== null && typeof parsed === 'object' && !Buffer.isBuffer(parsed)) {
    return parsed as Record<string, unknown>;
  }
  if (typeof parsed === 'string' && isFormContentType(req.get('content-type')))
    return new URLSearchParams(parsed);
  if (req.readableEnded) return new URLSearchParams();
  return readNodeForm(req, max);
}

/** A {@link FlowRequest} view of an Express request. */
export async function expressFlowRequest(
  req: ExpressLikeRequest,
  options: { baseUrl?: string; maxBodyBytes?: number } = {},
) {
  const form = await formOf(req, options.maxBodyBytes ?? 64 * 1024);
  const flow: FlowRequest = {
    method: req.method,
    url: currentUrl(req, options.baseUrl),
    header: (name) => req.get(name) ?? null,
    form,
  };
  return flow;
}

function setHeaders(res: Response, headers: readonly (readonly [string, string])[]): void {
  for (const [k, v] of headers) {
    if (k === 'set-cookie') res.append('Set-Cookie', v);
    else res.setHeader(k, v);
  }
}

/** Write an {@link HttpAnswer} (headers already set by the app are kept; set-cookie appended). */
function send(res: Response, answer: HttpAnswer): void {
  for (const [k, v] of answer.headers) {
    if (k === 'set-cookie') {
      const had = res.getHeader('set-cookie');
      const list = Array.isArray(had) ? had : had === undefined ? [] : [String(had)];
      if (!list.includes(v)) res.append('Set-Cookie', v);
    } else res.setHeader(k, v);
  }
  res.status(answer.status).send(answer.body);
}

function guard(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).catch((e: unknown) => {
      if (e instanceof FormTooLargeError) {
        res.status(413).type('text/plain').send('request body too large\n');
        return;
      }
      next(e);
    });
  };
}

/**
 * Login and return middleware for a relying party: the same behaviour as the
 * Web handlers (`rpHandlers`): state in an HttpOnly SameSite=Lax cookie,
 * POST-only login from this site (SE-04), `Referrer-Policy: no-referrer` and
 * a 303 on the return page (SE-06). Works with or without a body parser.
 *
 * @see OpenID 2.0 §9, §11
 */
export function expressRp(rp: RelyingParty, options: ExpressRpOptions): ExpressRpHandlers {
  return {
    login: guard(async (req, res) => {
      send(res, startAnswer(await startLogin(rp, await expressFlowRequest(req, options), options)));
    }),
    callback: guard(async (req, res) => {
      const finish = await finishLogin(rp, await expressFlowRequest(req, options), options);
      if ('resubmit' in finish) return send(res, returnAnswer(finish, undefined) as HttpAnswer);
      const { result } = finish;
      let answer: ExpressHookAnswer;
      setHeaders(res, finish.headers);
      if (result.status === 'success') answer = await options.onSuccess(result, req, res);
      else if (options.onFailure) answer = await options.onFailure(result, req, res);
      else return send(res, returnAnswer(finish, undefined) as HttpAnswer);
      if (typeof answer === 'string') res.redirect(303, answer);
    }),
  };
}

/** Options of {@link expressProvider}. */
export interface ExpressProviderOptions {
  /**
   * Decide a checkid request: return `request.allow(...)` / `request.deny()`, or answer `res`
   * yourself (a login or consent page) and return null.
   */
  authorize(
    request: CheckIDRequest,
    req: Request,
    res: Response,
  ): OPResponse | null | Promise<OPResponse | null>;
  /** Largest form body read when no body parser ran, in bytes. Default 64 KiB. */
  maxBodyBytes?: number;
}

/**
 * The provider endpoint as Express middleware: associate and
 * check_authentication are answered by the Provider, checkid requests go to
 * `authorize`; a request without `openid.mode` goes to `next()`.
 *
 * @example
 * app.all('/openid', expressProvider(op, { authorize: (r, req) => r.allow({ identity: idOf(req) }) }));
 */
export function expressProvider(op: Provider, options: ExpressProviderOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    void (async () => {
      const form = await formOf(req, options.maxBodyBytes ?? 64 * 1024);
      // The raw query, so repeated names stay visible (and are refused) rather than merged into arrays.
      const params = form ?? new URL(req.originalUrl, 'http://openid2.invalid').searchParams;
      let answeredByApp = false;
      const web = await op.respond(params, async (request) => {
        const decided = await options.authorize(request, req, res);
        if (decided === null) {
          answeredByApp = true;
          return request.deny(); // encoded but never sent: the app answered itself
        }
        return decided;
      });
      if (answeredByApp) return;
      if (web === null) {
        next();
        return;
      }
      res.status(web.status);
      for (const [k, v] of Object.entries(web.headers)) res.setHeader(k, v);
      res.send(web.body);
    })().catch((e: unknown) => {
      if (e instanceof FormTooLargeError) {
        res.status(413).type('text/plain').send('request body too large\n');
        return;
      }
      next(e);
    });
  };
}
