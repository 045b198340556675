/**
 * Sign-up, sign-in and sign-out at the provider. What the user typed stays
 * after an error (never the password); the session id is rotated at
 * sign-in; a pending sign-in request carries on to its consent page.
 */
import { type Ctx, csrfOk, redirect, rotateSession } from '../http.js';
import { h } from '../layout.js';
import { csrfField, formExpired, type ProviderDeps, show } from './view.js';

export type AccountFormKind = 'login' | 'signup';

/** The sign-in or sign-up form, with `error` above it. */
export function accountForm(ctx: Ctx, kind: AccountFormKind, error?: string): Response {
  const rid = ctx.url.searchParams.get('rid') ?? ctx.form?.get('rid') ?? '';
  // What the user typed stays (never the password); a switch of account names the one asked for.
  const kept = (name: string) => (ctx.form?.get(name) ?? ctx.url.searchParams.get(name) ?? '').slice(0, 256);
  const signup = kind === 'signup';
  return show(
    ctx,
    signup ? 'Sign up' : 'Sign in',
    h`<h1>${signup ? 'Create a demo account' : 'Sign in to the demo provider'}</h1>
${error ? h`<p class="error">${error}</p>` : ''}
<form method="post" action="/op/${kind}">${csrfField(ctx)}<input type="hidden" name="rid" value="${rid}">
<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" value="${kept('username')}" required>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="${signup ? 'new-password' : 'current-password'}" required>
${
  signup
    ? h`<label for="nickname">Nickname</label><input type="text" id="nickname" name="nickname" value="${kept('nickname')}">
<label for="fullname">Full name</label><input type="text" id="fullname" name="fullname" value="${kept('fullname')}">
<label for="email">Email</label><input type="email" id="email" name="email" value="${kept('email')}">`
    : ''
}
<button type="submit" id="submit">${signup ? 'Sign up' : 'Sign in'}</button></form>
<p class="muted">${signup ? h`Have an account? <a href="/op/login?rid=${rid}">Sign in</a>` : h`No account? <a href="/op/signup?rid=${rid}">Sign up</a>`}</p>`,
  );
}

/** Create the account (sign-up), or check the password (sign-in); the form again with why, on failure. */
async function admit(ctx: Ctx, kind: AccountFormKind, { accounts }: ProviderDeps): Promise<string | null> {
  const f = ctx.form ?? new URLSearchParams();
  const username = (f.get('username') ?? '').trim().toLowerCase();
  const password = f.get('password') ?? '';
  if (kind === 'login')
    return (await accounts.authenticate(username, password)) ? null : 'Wrong username or password.';
  try {
    const created = await accounts.create(username, password, {
      nickname: f.get('nickname') || username,
      fullname: f.get('fullname') ?? '',
      email: f.get('email') ?? '',
    });
    return created ? null : 'That username is taken.';
  } catch (e) {
    return e instanceof Error ? e.message : 'invalid input';
  }
}

/** POST /op/login and /op/signup: on success, a new session id and on to the pending request, if any. */
export async function accountPost(ctx: Ctx, kind: AccountFormKind, deps: ProviderDeps): Promise<Response> {
  if (!csrfOk(ctx)) return formExpired(ctx);
  const error = await admit(ctx, kind, deps);
  if (error !== null) return accountForm(ctx, kind, error);
  // A new session id at sign-in (a planted pre-login id must not become a signed-in one).
  rotateSession(ctx);
  ctx.session.username = (ctx.form?.get('username') ?? '').trim().toLowerCase();
  const rid = ctx.form?.get('rid') ?? '';
  return redirect(
    ctx,
    rid && ctx.session.pending.has(rid) ? `/op/consent?rid=${encodeURIComponent(rid)}` : '/op/',
  );
}

/** POST /op/logout. */
export function logout(ctx: Ctx): Response {
  if (csrfOk(ctx)) delete ctx.session.username;
  return redirect(ctx, '/op/');
}
