/**
 * The consent page (/op/consent): the realm, whether its return address is
 * verified, each attribute with its label and the value to be shared (the
 * optional ones can be unticked), and "remember this site". A request for
 * another account than the signed-in one gets the account choice instead.
 */
import type { CheckIDRequest } from 'openid2';
import type { DemoAccount } from '../accounts.js';
import { type Ctx, csrfOk, redirect, webResponse } from '../http.js';
import { h, type Raw } from '../layout.js';
import { accountChoice, anotherAccountForm } from './account-choice.js';
import { type AskedAttribute, ATTRIBUTE_KEYS, askedAttributes, positiveAnswer } from './attributes.js';
import { pendingRequest, userMatches } from './endpoint.js';
import { csrfField, formExpired, identityUrl, type ProviderDeps, requestExpired, show } from './view.js';

export async function consentPage(ctx: Ctx, deps: ProviderDeps): Promise<Response> {
  const rid = ctx.url.searchParams.get('rid') ?? '';
  const params = ctx.session.pending.get(rid);
  if (!params) return requestExpired(ctx);
  const user = ctx.session.username ? deps.accounts.get(ctx.session.username) : null;
  if (!user) return redirect(ctx, `/op/login?rid=${encodeURIComponent(rid)}`);
  const request = pendingRequest(deps.op, params);
  // One call says whether to trust the request and why (realm, return_to, relying-party discovery).
  const trust = await request.evaluateTrust();
  if (trust.verdict === 'refuse') {
    ctx.session.pending.delete(rid);
    return webResponse(ctx, await deps.op.encodeResponse(request.deny()));
  }
  if (!userMatches(ctx, request, user)) return accountChoice(ctx, rid, request, user);
  const unverified =
    trust.verdict === 'verified'
      ? null
      : (trust.checks.find((c) => c.rule === 'relying_party_discovery')?.reason ?? '');
  return show(ctx, 'Sign in to a site?', consentBody(ctx, rid, request, user, unverified));
}

/** The consent form; `unverified` is why the return address could not be verified, or null. */
function consentBody(
  ctx: Ctx,
  rid: string,
  request: CheckIDRequest,
  user: DemoAccount,
  unverified: string | null,
): Raw {
  // With identifier_select the site let the provider choose: say whom it will be, and offer another.
  const choose = request.idSelect();
  return h`<h1>Sign in to this site?</h1>
<p>The site <strong class="mono" id="realm">${request.realm}</strong> asks to know that you are
<strong class="mono">${identityUrl(ctx, user.username)}</strong>.</p>
${
  unverified === null
    ? h`<p class="ok">The site's return address is verified.</p>`
    : h`<p class="error">The site's return address <span class="mono">${request.returnTo}</span> could not be verified by relying-party discovery (<span class="mono" id="trust-reason">${unverified}</span>). Continue only if you trust it.</p>`
}
<form method="post" action="/op/consent">${csrfField(ctx)}<input type="hidden" name="rid" value="${rid}">
${attributeTable(askedAttributes(request, user))}
<label><input type="checkbox" name="always" value="1" id="always"> Remember this site (<a href="/op/sites">sites you trust</a>)</label>
<button type="submit" name="decision" value="allow" id="allow">${choose ? `Continue as ${user.username}` : 'Allow'}</button>
<button type="submit" name="decision" value="cancel" class="secondary" id="cancel">Cancel</button></form>
${choose ? anotherAccountForm(ctx, rid, user) : ''}`;
}

/** The attributes asked for, each with a checkbox (disabled when the site requires it) and its value. */
function attributeTable(attrs: AskedAttribute[]): Raw {
  if (attrs.length === 0) return h`<p>It asks for no other details.</p>`;
  const row = (a: AskedAttribute) =>
    h`<tr><td><input type="checkbox" name="share" value="${a.key}" id="share-${a.key}" checked${a.required ? h` disabled` : ''}>${a.required ? h`<input type="hidden" name="share" value="${a.key}">` : ''}</td><th><label for="share-${a.key}">${a.label}${a.required ? ' (required by the site)' : ''}</label></th><td class="mono" data-value="${a.key}">${a.value || h`<span class="muted">(empty)</span>`}</td></tr>`;
  return h`<p>It also asks for these details; untick what you do not want to share:</p><table id="attributes">${attrs.map(row)}</table>`;
}

/** The user's decision: cancel, or allow with the attributes left ticked (and maybe remember the site). */
export async function consentPost(ctx: Ctx, deps: ProviderDeps): Promise<Response> {
  if (!csrfOk(ctx)) return formExpired(ctx);
  const rid = ctx.form?.get('rid') ?? '';
  const params = ctx.session.pending.get(rid);
  const user = ctx.session.username ? deps.accounts.get(ctx.session.username) : null;
  if (!params || !user) return requestExpired(ctx);
  const request = pendingRequest(deps.op, params);
  if (ctx.form?.get('decision') !== 'allow') {
    ctx.session.pending.delete(rid);
    return webResponse(ctx, await deps.op.encodeResponse(request.deny()));
  }
  // Signed in as someone else since the page was drawn (another tab): the choice, not an error.
  if (!userMatches(ctx, request, user)) return accountChoice(ctx, rid, request, user);
  ctx.session.pending.delete(rid);
  if (ctx.form?.get('always') === '1' && request.trustRootValid())
    deps.accounts.trust(user.username, request.realm);
  const shared = new Set(ATTRIBUTE_KEYS.filter((k) => ctx.form?.getAll('share').includes(k)));
  const answer = positiveAnswer(request, user, identityUrl(ctx, user.username), shared);
  return webResponse(ctx, await deps.op.encodeResponse(answer));
}
