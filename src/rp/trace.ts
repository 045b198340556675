/**
 * The relying party's two traced operations, `openid2:rp.begin` and
 * `openid2:rp.complete`: what their contexts say, filled from the request
 * and the result. Kept here so relying-party.ts only wraps its calls.
 */

import { isTraced, trace } from '../diagnostics/index.js';
import type { AuthRequest } from './auth-request.js';
import type { CompleteResult } from './result.js';

/** Trace one begin(): the identifier typed, then the endpoint chosen and whether an association is used. */
export function traceBegin(identifier: string, run: () => Promise<AuthRequest>): Promise<AuthRequest> {
  return trace('openid2:rp.begin', { identifier }, async (ctx) => {
    const auth = await run();
    ctx.opEndpoint = auth.endpoint.opEndpoint;
    ctx.version = auth.endpoint.version;
    ctx.associated = auth.usesAssociation;
    return auth;
  });
}

/**
 * Trace one complete(). The context names where the response arrived by
 * origin and path only: the query and body carry the signature.
 *
 * The context is built only when someone subscribes: reading the mode parses
 * the whole response URL and its query once more, which was a fifth of
 * complete()'s CPU time in a process that traces nothing (issue 25 profile).
 */
export function traceComplete(
  currentUrl: string,
  body: unknown,
  run: () => Promise<CompleteResult>,
): Promise<CompleteResult> {
  if (!isTraced('openid2:rp.complete')) return run();
  const mode = responseMode(currentUrl, body);
  return trace(
    'openid2:rp.complete',
    { returnTo: originAndPath(currentUrl), ...(mode === undefined ? {} : { mode }) },
    async (ctx) => {
      const result = await run();
      ctx.outcome = result.status;
      if (result.status === 'failure') {
        ctx.code = result.code;
        ctx.reason = result.message;
        if (result.assertedClaimedId !== undefined) ctx.assertedClaimedId = result.assertedClaimedId;
      } else if (result.status === 'success') {
        ctx.claimedId = result.claimedId;
        ctx.opEndpoint = result.endpoint.opEndpoint;
        ctx.verifiedBy = result.verifiedBy;
      }
      return result;
    },
  );
}

function originAndPath(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/** openid.mode of the response, from the body or else the query; only a known mode word is kept. */
function responseMode(url: string, body: unknown): string | undefined {
  let mode: unknown;
  try {
    if (typeof body === 'string') mode = new URLSearchParams(body).get('openid.mode');
    else if (body instanceof URLSearchParams) mode = body.get('openid.mode');
    else if (body && typeof body === 'object') mode = (body as Record<string, unknown>)['openid.mode'];
    else mode = new URL(url).searchParams.get('openid.mode');
  } catch {
    return undefined;
  }
  return typeof mode === 'string' && /^[a-z_]{1,32}$/.test(mode) ? mode : undefined;
}
