/** The site's pages: the sign-in page (with the last error, once) and the signed-in page. */
import { type Ctx, redirect } from '../http.js';
import { h } from '../layout.js';
import { moveAccountForm } from '../migrate/index.js';
import { type RpOptions, show } from './view.js';

/** The sign-in page; the last input and its error are shown once. */
export function home(ctx: Ctx): Response {
  const csrf = ctx.sessions.csrf(ctx.sessionId);
  const last = ctx.session.rpLast;
  delete ctx.session.rpLast;
  const signedIn = ctx.session.rpUser;
  return show(
    ctx,
    'Demo relying party',
    h`<h1>Sign in to the demo site</h1>
${signedIn ? h`<p class="ok" id="signed-in-note">You are signed in as <code>${signedIn.claimedId}</code>. <a href="/rp/me">Your page</a>.</p>` : ''}
${last?.error ? h`<div class="error" id="error"><p>${last.error.text}</p><p class="muted">detail: <code id="error-code">${last.error.code}</code></p></div>` : ''}
<form method="post" action="/rp/login"><input type="hidden" name="csrf" value="${csrf}">
<label for="openid_identifier">Your OpenID</label>
<input type="text" inputmode="url" autocomplete="url" spellcheck="false" id="openid_identifier" name="openid_identifier" value="${last?.identifier ?? ''}" placeholder="${ctx.base}/op/id/yourname">
<button type="submit" id="login">Sign in</button></form>
<form method="post" action="/rp/login"><input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="openid_identifier" value="${ctx.base}/op/">
<button type="submit" class="steam" id="provider-button">Sign in through the openid2 demo provider</button></form>
<p class="muted">This site and the provider run in one process on your machine; the site talks to the provider
over loopback, which the SSRF guard allows here only because the demo turns on <code>allowPrivateNetworks</code>.</p>`,
  );
}

/** /rp/me: who signed in, the signed attributes, and sign-out. */
export function me(ctx: Ctx, options: RpOptions): Response {
  const user = ctx.session.rpUser;
  if (!user) return redirect(ctx, '/');
  const csrf = ctx.sessions.csrf(ctx.sessionId);
  return show(
    ctx,
    'Signed in',
    h`<h1 id="outcome">Signed in</h1>
<p>Verified claimed identifier:</p><p><code id="claimed-id">${user.claimedId}</code></p>
<p class="muted">Provider: <code>${user.provider}</code>, checked by ${user.verifiedBy}.</p>
<h2>Signed attributes</h2>
<table id="attributes">${user.attributes.map(([k, v]) => h`<tr><th>${k}</th><td data-attr="${k}">${v ?? h`<span class="muted">not sent</span>`}</td></tr>`)}</table>
${options.canMoveToOpenIDConnect ? moveAccountForm(ctx) : ''}
<form method="post" action="/rp/logout"><input type="hidden" name="csrf" value="${csrf}">
<button type="submit" class="secondary" id="sign-out">Sign out of this site</button></form>`,
  );
}
