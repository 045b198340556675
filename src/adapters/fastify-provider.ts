/**
 * A Fastify plugin serving a provider's OpenID endpoint (GET and POST):
 * associate and check_authentication are answered by the Provider,
 * checkid requests go to `authorize`, malformed requests get the spec's
 * error answer (§5.1.2.2 / §5.2.3) — the behaviour of the Web handler
 * `providerHandler`, in Fastify. Fastify is an optional peer dependency:
 * only its types are used here. Urlencoded bodies are parsed inside the
 * plugin's own context when the app has no parser for them.
 *
 * @example
 * await app.register(openidProviderFastify, {
 *   provider: op,                                    // new Provider({ endpoint: 'https://op.example/openid', store })
 *   authorize: async (request, req, reply) => {
 *     const user = req.session.user;
 *     if (!user) return reply.redirect(`/login?next=${encodeURIComponent(request.encodeToURL())}`);
 *     return request.allow({ identity: `https://op.example/id/${user}` });
 *   },
 * });
 * @see OpenID 2.0 §5, §8, §9, §10, §11.4.2
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Provider } from '../op/provider.js';
import type { CheckIDRequest } from '../op/requests.js';
import { OPResponse } from '../op/response.js';

/** Options of the {@link openidProviderFastify} plugin. */
export interface FastifyProviderOptions {
  /** The provider whose endpoint this is. */
  provider: Provider;
  /** Path of the endpoint route. Default the path of `provider.endpoint`. */
  path?: string;
  /**
   * Decide a checkid request: return the answer (`request.allow({ identity })`
   * or `request.deny()`), or answer `reply` yourself (a login or consent
   * page) and return it (or nothing); answer the request later with
   * `request.allow(...)` / `request.deny()` and `provider.encodeResponse()`.
   */
  authorize(
    request: CheckIDRequest,
    httpRequest: FastifyRequest,
    reply: FastifyReply,
  ): OPResponse | FastifyReply | undefined | Promise<OPResponse | FastifyReply | undefined>;
  /** Answer for a request that is not an OpenID message (no `openid.mode`). Default 400 text. */
  notOpenID?(httpRequest: FastifyRequest, reply: FastifyReply): unknown;
  /** Largest urlencoded body, in bytes, when the plugin parses it. Default 64 KiB. */
  bodyLimit?: number;
}

const FORM = 'application/x-www-form-urlencoded';

/** The request's OpenID fields: the form body of a POST, else the query. */
function paramsOf(request: FastifyRequest): URLSearchParams {
  if (request.method === 'POST') {
    const body: unknown = request.body;
    if (body instanceof URLSearchParams) return body;
    if (body !== null && typeof body === 'object') {
      const out = new URLSearchParams();
      for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
        if (typeof v === 'string') out.append(k, v);
      }
      return out;
    }
    return new URLSearchParams();
  }
  return new URL(request.url, 'http://x').searchParams;
}

/**
 * Registers the provider endpoint.
 *
 * @example
 * await app.register(openidProviderFastify, {
 *   provider: op,
 *   authorize: (request) => request.allow({ identity: 'https://op.example/id/alice' }),
 * });
 */
export const openidProviderFastify: FastifyPluginAsync<FastifyProviderOptions> = async (fastify, options) => {
  const op = options.provider;
  if (!fastify.hasContentTypeParser(FORM)) {
    fastify.addContentTypeParser(
      FORM,
      { parseAs: 'string', bodyLimit: options.bodyLimit ?? 64 * 1024 },
      (_request, body, done) => done(null, new URLSearchParams(body as string)),
    );
  }
  const path = options.path ?? new URL(op.endpoint).pathname;
  const endpoint = async (request: FastifyRequest, reply: FastifyReply) => {
    // The app may answer a checkid request itself (a login page): respond() then
    // gets a throwaway negative answer, whose encoding has no side effect.
    let own = false;
    const web = await op.respond(paramsOf(request), async (checkid) => {
      const decided = await options.authorize(checkid, request, reply);
      if (decided instanceof OPResponse) return decided;
      own = true;
      return checkid.deny();
    });
    if (own) return reply;
    if (web === null) {
      if (options.notOpenID) return options.notOpenID(request, reply);
      return reply.code(400).type('text/plain; charset=utf-8').send('This is an OpenID endpoint.\n');
    }
    for (const [k, v] of Object.entries(web.headers)) reply.header(k, v);
    return reply.code(web.status).send(web.body);
  };
  fastify.get(path, endpoint);
  fastify.post(path, endpoint);
};
