/** Small Web Response helpers shared by the demo's routes. */
import type { SessionData, Sessions } from './session.js';

/** One request as the demo's routes see it. */
export interface Ctx {
  request: Request;
  url: URL;
  base: string;
  sessionId: string;
  session: SessionData;
  sessions: Sessions;
  /** The form body of a POST, parsed once. */
  form: URLSearchParams | null;
  /** Cookies to set on whatever the route answers. */
  cookies: string[];
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

function withCookies(headers: Headers, ctx: Ctx): Headers {
  for (const c of ctx.cookies) headers.append('set-cookie', c);
  return headers;
}

export function htmlResponse(ctx: Ctx, body: string, status = 200): Response {
  const headers = new Headers({
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'none'",
    ...SECURITY_HEADERS,
  });
  return new Response(body, { status, headers: withCookies(headers, ctx) });
}

export function redirect(ctx: Ctx, location: string): Response {
  return new Response(null, {
    status: 303,
    headers: withCookies(new Headers({ location, ...SECURITY_HEADERS }), ctx),
  });
}

export function textResponse(
  ctx: Ctx,
  body: string,
  status: number,
  contentType = 'text/plain; charset=utf-8',
  extra: Record<string, string> = {},
): Response {
  return new Response(body, {
    status,
    headers: withCookies(new Headers({ 'content-type': contentType, ...SECURITY_HEADERS, ...extra }), ctx),
  });
}

/** A Response from the provider's framework-neutral answer. */
export function webResponse(
  ctx: Ctx,
  web: { status: number; headers: Record<string, string>; body: string },
): Response {
  const headers = withCookies(new Headers(web.headers), ctx);
  return new Response(web.status === 302 || web.status === 303 ? null : web.body, {
    status: web.status,
    headers,
  });
}

/** Rotate the session id at sign-in (the Set-Cookie rides on whatever the route answers). */
export function rotateSession(ctx: Ctx): void {
  const { id, setCookie } = ctx.sessions.rotate(ctx.sessionId, ctx.request);
  ctx.sessionId = id;
  ctx.cookies = [...ctx.cookies.filter((c) => !c.startsWith('openid2_demo=')), setCookie];
}

/** A POST must carry this session's CSRF token. */
export function csrfOk(ctx: Ctx): boolean {
  return ctx.sessions.checkCsrf(ctx.sessionId, ctx.form?.get('csrf') ?? null);
}
