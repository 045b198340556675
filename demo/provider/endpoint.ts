/**
 * The OpenID endpoint (/op/openid): associations and check_authentication
 * are answered directly; a checkid request is answered at once for a
 * remembered site, refused when immediate, and otherwise parked in the
 * session (bounded) while the user signs in and consents.
 */
import { CheckIDRequest, ProtocolError, type Provider } from 'openid2';
import type { DemoAccount } from '../accounts.js';
import { randomId } from '../cookies.js';
import { type Ctx, redirect, webResponse } from '../http.js';
import { h } from '../layout.js';
import { positiveAnswer } from './attributes.js';
import { identityUrl, type ProviderDeps, show } from './view.js';

/** Pending sign-in requests one session may hold (the oldest goes first). */
const MAX_PENDING = 20;

/** Whether the signed-in user may answer for the identity the request names. */
export function userMatches(ctx: Ctx, request: CheckIDRequest, user: DemoAccount): boolean {
  return request.idSelect() || request.identity === identityUrl(ctx, user.username);
}

/** The checkid request a pending sign-in holds. */
export function pendingRequest(op: Provider, params: Record<string, string>): CheckIDRequest {
  return op.decodeRequest(new URLSearchParams(params)) as CheckIDRequest;
}

export async function endpoint(ctx: Ctx, { op, accounts }: ProviderDeps): Promise<Response> {
  const params = ctx.request.method === 'POST' ? (ctx.form ?? new URLSearchParams()) : ctx.url.searchParams;
  let request: ReturnType<Provider['decodeRequest']>;
  try {
    request = op.decodeRequest(params);
  } catch (e) {
    if (e instanceof ProtocolError) return webResponse(ctx, op.encodeError(e));
    throw e;
  }
  if (request === null)
    return show(
      ctx,
      'OpenID endpoint',
      h`<h1>OpenID endpoint</h1><p>This URL speaks OpenID; there is nothing to see.</p>`,
    );
  if (!(request instanceof CheckIDRequest))
    return webResponse(ctx, await op.encodeResponse(await op.handleRequest(request)));
  const user = ctx.session.username ? accounts.get(ctx.session.username) : null;
  if (
    user &&
    userMatches(ctx, request, user) &&
    request.trustRootValid() &&
    accounts.isTrusted(user.username, request.realm)
  ) {
    const answer = positiveAnswer(request, user, identityUrl(ctx, user.username));
    return webResponse(ctx, await op.encodeResponse(answer));
  }
  if (request.immediate) return webResponse(ctx, await op.encodeResponse(request.deny()));
  const rid = park(ctx, Object.fromEntries(params));
  return redirect(ctx, user ? `/op/consent?rid=${rid}` : `/op/login?rid=${rid}`);
}

/** Keep a sign-in request in the session while the user signs in and consents; its id. */
function park(ctx: Ctx, params: Record<string, string>): string {
  const rid = randomId(12);
  ctx.session.pending.set(rid, params);
  if (ctx.session.pending.size > MAX_PENDING)
    ctx.session.pending.delete(ctx.session.pending.keys().next().value as string);
  return rid;
}
