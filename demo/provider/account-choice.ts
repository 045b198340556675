/**
 * Signed in at the provider as someone else than the site asked for: a
 * choice, never an error. For a request naming alice while erin is signed
 * in, "sign out and continue as alice" (the provider may only assert the
 * identity the site named, so "continue as erin" is not offered there); for
 * identifier_select the consent page itself says "continue as erin" and
 * offers another account through the same switch.
 */
import type { CheckIDRequest } from 'openid2';
import type { DemoAccount } from '../accounts.js';
import { type Ctx, csrfOk, redirect } from '../http.js';
import { h, type Raw } from '../layout.js';
import { csrfField, show } from './view.js';

/** The username of a demo identity URL, or '' for any other identifier. */
function usernameOf(identity: string | null | undefined): string {
  return /\/op\/id\/([a-z0-9_-]{2,32})$/.exec(identity ?? '')?.[1] ?? '';
}

/** The page for a request naming another account than the signed-in `user`. */
export function accountChoice(ctx: Ctx, rid: string, request: CheckIDRequest, user: DemoAccount): Response {
  const asked = usernameOf(request.identity);
  return show(
    ctx,
    'Another account',
    h`<h1>Which account?</h1>
<p id="wrong-account">The site <strong class="mono">${request.realm}</strong> asked to sign you in as
<strong class="mono">${request.identity}</strong>, but you are signed in here as <strong>${user.username}</strong>.</p>
${switchForm(ctx, rid, asked, `Sign out and continue as ${asked || 'that account'}`, 'switch')}
<form method="post" action="/op/consent">${csrfField(ctx)}<input type="hidden" name="rid" value="${rid}">
<button type="submit" name="decision" value="cancel" class="secondary" id="cancel">Cancel and go back to the site</button></form>
<p class="muted">To sign in as ${user.username} instead, go back to the site and choose "Sign in through the openid2 demo provider".</p>`,
  );
}

/** "Not erin? Use another account": sign out, then sign in with the same pending request. */
export function anotherAccountForm(ctx: Ctx, rid: string, user: DemoAccount): Raw {
  return h`<p class="muted">Not ${user.username}?</p>${switchForm(ctx, rid, '', 'Sign out and use another account', 'other-account')}`;
}

/** A button that signs out and returns to the sign-in form with `username` filled in ('' for none). */
function switchForm(ctx: Ctx, rid: string, username: string, label: string, id: string): Raw {
  return h`<form method="post" action="/op/switch">${csrfField(ctx)}<input type="hidden" name="rid" value="${rid}"><input type="hidden" name="username" value="${username}">
<button type="submit" id="${id}"${username ? '' : h` class="secondary"`}>${label}</button></form>`;
}

/** POST /op/switch: sign out and go to the sign-in form, keeping the pending request and the name asked for. */
export function switchAccount(ctx: Ctx): Response {
  if (!csrfOk(ctx)) return redirect(ctx, '/op/');
  delete ctx.session.username;
  const rid = ctx.form?.get('rid') ?? '';
  const username = ctx.form?.get('username') ?? '';
  return redirect(ctx, `/op/login?rid=${encodeURIComponent(rid)}&username=${encodeURIComponent(username)}`);
}
