/** "Sites you trust" (/op/sites): the realms remembered for the signed-in user, each with a revoke button. */
import { type Ctx, csrfOk, redirect } from '../http.js';
import { h } from '../layout.js';
import { csrfField, type ProviderDeps, show } from './view.js';

export function sitesPage(ctx: Ctx, { accounts }: ProviderDeps): Response {
  const user = ctx.session.username;
  if (!user) return redirect(ctx, '/op/login');
  const sites = accounts.trustedRealms(user);
  const row = (realm: string) =>
    h`<tr><td class="mono">${realm}</td><td><form method="post" action="/op/sites">${csrfField(ctx)}<input type="hidden" name="realm" value="${realm}"><button type="submit" class="secondary" data-revoke="${realm}">Revoke</button></form></td></tr>`;
  return show(
    ctx,
    'Sites you trust',
    h`<h1>Sites you trust</h1>
${
  sites.length
    ? h`<p>These sites sign you in without asking. Revoke one to be asked again.</p><table id="sites">${sites.map(row)}</table>`
    : h`<p id="no-sites">No site is remembered: every site asks first.</p>`
}`,
  );
}

/** POST /op/sites: forget one remembered realm. */
export function revokeSite(ctx: Ctx, { accounts }: ProviderDeps): Response {
  const user = ctx.session.username;
  if (user && csrfOk(ctx)) accounts.untrust(user, ctx.form?.get('realm') ?? '');
  return redirect(ctx, '/op/sites');
}
