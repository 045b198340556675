/**
 * A Fastify plugin with a relying party's two routes: login and return.
 * Fastify is an optional peer dependency: only its types are used here, so
 * `openid2` never loads it. Urlencoded bodies are parsed inside the
 * plugin's own context when the app has no parser for them (no
 * @fastify/formbody needed).
 *
 * @example
 * await app.register(openidFastify, {
 *   rp,
 *   loginPath: '/login',                       // POST, from a form on your site
 *   onSuccess: async (result, request) => {    // return_to's path serves the return route
 *     request.session.user = result.claimedId;
 *     return '/';                              // 303 there
 *   },
 * });
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { RelyingParty } from '../rp/relying-party.js';
import type { SuccessResult } from '../rp/result.js';
import {
  type FlowRequest,
  failureText,
  finishLogin,
  type HttpAnswer,
  type LoginFlowOptions,
  returnAnswer,
  startAnswer,
  startLogin,
} from './login-flow.js';
import type { UnsuccessfulResult } from './web.js';

/** What a Fastify hook returns: a path / URL to 303 to, or nothing when it answered `reply` itself. */
export type FastifyHookAnswer = string | undefined;

/** Options of the {@link openidFastify} plugin. */
export interface FastifyOpenIDOptions extends LoginFlowOptions {
  /** The relying party (or a preset such as `steamLogin()`). */
  rp: RelyingParty;
  /** Path of the login route (POST; also GET with `allowGetLogin`). Default `/login`. */
  loginPath?: string;
  /** Path of the return route (GET and POST). Default the path of `rp.returnTo`. */
  returnPath?: string;
  /** The verified login: sign the user in, then return where to go (or answer `reply` yourself). */
  onSuccess(
    result: SuccessResult,
    request: FastifyRequest,
    reply: FastifyReply,
  ): FastifyHookAnswer | Promise<FastifyHookAnswer>;
  /** Failure, cancel or setup_needed. Default: 401 with a short plain-text reason. */
  onFailure?(
    result: UnsuccessfulResult,
    request: FastifyRequest,
    reply: FastifyReply,
  ): FastifyHookAnswer | Promise<FastifyHookAnswer>;
  /** How the app is reached (`https://app.example`). Default: Fastify's `request.protocol` and `request.host` (see `trustProxy`). */
  baseUrl?: string;
  /** Largest urlencoded body, in bytes, when the plugin parses it. Default 64 KiB. */
  bodyLimit?: number;
}

const FORM = 'application/x-www-form-urlencoded';

function flowRequestOf(request: FastifyRequest, baseUrl: string | undefined): FlowRequest {
  const base = baseUrl ?? `${request.protocol}://${request.host}`;
  const body: unknown = request.body;
  let form: FlowRequest['form'] = null;
  if (request.method === 'POST') {
    if (body instanceof URLSearchParams) form = body;
    else if (body !== null && typeof body === 'object') form = body as Record<string, unknown>;
    else form = new URLSearchParams();
  }
  return {
    method: request.method,
    url: new URL(request.url, base).toString(),
    header: (name) => {
      const v = request.headers[name.toLowerCase()];
      return typeof v === 'string' ? v : Array.isArray(v) ? v.join(', ') : null;
    },
    form,
  };
}

function setHeaders(reply: FastifyReply, headers: readonly (readonly [string, string])[]): void {
  // Fastify appends repeated set-cookie values and replaces the others.
  for (const [k, v] of headers) reply.header(k, v);
}

/** Write an {@link HttpAnswer}. */
function send(reply: FastifyReply, answer: HttpAnswer): FastifyReply {
  setHeaders(reply, answer.headers);
  return reply.code(answer.status).send(answer.body);
}

async function answer(reply: FastifyReply, value: FastifyHookAnswer): Promise<FastifyReply> {
  if (typeof value === 'string') return reply.code(303).header('location', value).send();
  return reply;
}

/**
 * Registers the login route and the return route of a relying party, with
 * the behaviour of the Web handlers (`rpHandlers`): state in an HttpOnly
 * SameSite=Lax cookie used once, POST-only login from this site (SE-04),
 * `Referrer-Policy: no-referrer` and a 303 on the return page (SE-06).
 *
 * @see OpenID 2.0 §9, §11
 */
export const openidFastify: FastifyPluginAsync<FastifyOpenIDOptions> = async (fastify, options) => {
  const { rp } = options;
  if (!fastify.hasContentTypeParser(FORM)) {
    fastify.addContentTypeParser(
      FORM,
      { parseAs: 'string', bodyLimit: options.bodyLimit ?? 64 * 1024 },
      (_request, body, done) => done(null, new URLSearchParams(body as string)),
    );
  }
  const loginPath = options.loginPath ?? '/login';
  const returnPath = options.returnPath ?? new URL(rp.returnTo).pathname;

  const login = async (request: FastifyRequest, reply: FastifyReply) =>
    send(reply, startAnswer(await startLogin(rp, flowRequestOf(request, options.baseUrl), options)));
  fastify.post(loginPath, login);
  // GET is routed even when refused, so the answer is a clear 405 rather than a 404.
  fastify.get(loginPath, login);

  const callback = async (request: FastifyRequest, reply: FastifyReply) => {
    const finish = await finishLogin(rp, flowRequestOf(request, options.baseUrl), options);
    if ('resubmit' in finish) return send(reply, returnAnswer(finish, undefined) as HttpAnswer);
    const { result } = finish;
    let value: FastifyHookAnswer;
    setHeaders(reply, finish.headers);
    if (result.status === 'success') value = await options.onSuccess(result, request, reply);
    else if (options.onFailure) value = await options.onFailure(result, request, reply);
    else return reply.code(401).type('text/plain; charset=utf-8').send(failureText(result));
    return answer(reply, value);
  };
  fastify.get(returnPath, callback);
  fastify.post(returnPath, callback);
};

export { type FastifyProviderOptions, openidProviderFastify } from './fastify-provider.js';
