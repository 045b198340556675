/**
 * The demo relying party under /: a login box taking any OpenID, a
 * "sign in with the demo provider" button (identifier_select, the way Steam
 * logins work), and a page showing the verified claimed id and the signed
 * attributes only.
 */

import { AXFetchRequest, AXFetchResponse } from '../../extensions/ax.js';
import { AX_TYPES } from '../../extensions/ax-types.js';
import { SRegRequest, SRegResponse } from '../../extensions/sreg.js';
import { rpReturnToXrds } from '../../op/identity-pages.js';
import { OpenIDError } from '../../protocol/errors.js';
import type { RelyingParty } from '../../rp/relying-party.js';
import { type Ctx, csrfOk, htmlResponse, redirect, textResponse } from './http.js';
import { h, page, type Raw } from './layout.js';
import { moveAccountForm } from './migrate.js';

export interface RpRoutes {
  handle(ctx: Ctx): Promise<Response | null>;
}

export function rpRoutes(rp: RelyingParty, options: { canMoveToOpenIDConnect?: boolean } = {}): RpRoutes {
  const nav: [string, string][] = [
    ['/', 'relying party'],
    ['/op/', 'provider'],
  ];
  const show = (ctx: Ctx, title: string, body: Raw, status = 200) =>
    htmlResponse(ctx, page(title, body, nav), status);

  function home(ctx: Ctx, error?: string): Response {
    const csrf = ctx.sessions.csrf(ctx.sessionId);
    return show(
      ctx,
      'Demo relying party',
      h`<h1>Sign in to the demo site</h1>
${error ? h`<p class="error" id="error">${error}</p>` : ''}
<form method="post" action="/rp/login"><input type="hidden" name="csrf" value="${csrf}">
<label for="openid_identifier">Your OpenID</label>
<input type="url" id="openid_identifier" name="openid_identifier" placeholder="${ctx.base}/op/id/yourname" required>
<button type="submit" id="login">Sign in</button></form>
<form method="post" action="/rp/login"><input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="openid_identifier" value="${ctx.base}/op/">
<button type="submit" class="steam" id="provider-button">Sign in through the openid2 demo provider</button></form>
<p class="muted">This site and the provider run in one process on your machine; the site talks to the provider
over loopback, which the SSRF guard allows here only because the demo turns on <code>allowPrivateNetworks</code>.</p>`,
    );
  }

  async function login(ctx: Ctx): Promise<Response> {
    if (!csrfOk(ctx)) return home(ctx, 'The form expired; try again.');
    const identifier = (ctx.form?.get('openid_identifier') ?? '').trim();
    try {
      const auth = await rp.begin(identifier, {
        extensions: [
          new SRegRequest({ optional: ['nickname', 'email', 'fullname'] }),
          new AXFetchRequest()
            .add(AX_TYPES.email, { required: false })
            .add(AX_TYPES.nickname, { required: false }),
        ],
      });
      ctx.session.rpState = auth.state;
      if (auth.shouldSendRedirect()) return redirect(ctx, auth.redirectUrl);
      return htmlResponse(ctx, auth.formHtml());
    } catch (e) {
      if (e instanceof OpenIDError) return home(ctx, `Could not start the sign-in: ${e.message} (${e.code})`);
      throw e;
    }
  }

  async function callback(ctx: Ctx): Promise<Response> {
    const state = ctx.session.rpState;
    delete ctx.session.rpState;
    const result = await rp.complete(ctx.request.url, {
      state: state ?? null,
      ...(ctx.request.method === 'POST' ? { body: ctx.form ?? '' } : {}),
    });
    if (result.status === 'cancel')
      return show(
        ctx,
        'Cancelled',
        h`<h1 id="outcome">Sign-in cancelled</h1><p>You cancelled at the provider. <a href="/">Try again</a>.</p>`,
      );
    if (result.status === 'setup_needed')
      return show(
        ctx,
        'Setup needed',
        h`<h1 id="outcome">The provider needs you</h1><p><a href="/">Sign in again</a>.</p>`,
      );
    if (result.status === 'failure') {
      return show(
        ctx,
        'Sign-in failed',
        h`<h1 id="outcome">Sign-in failed</h1><p class="error">${result.message}</p><p class="muted">code: <code>${result.code}</code></p><p><a href="/">Try again</a></p>`,
        400,
      );
    }
    if (result.claimedId) ctx.session.openid2ClaimedId = result.claimedId;
    const sreg = SRegResponse.fromSuccess(result);
    const ax = AXFetchResponse.fromSuccess(result);
    const rows: [string, string | null][] = [
      ['nickname (SReg)', sreg?.get('nickname') ?? null],
      ['email (SReg)', sreg?.get('email') ?? null],
      ['full name (SReg)', sreg?.get('fullname') ?? null],
      ['email (AX)', ax?.get(AX_TYPES.email) ?? null],
      ['nickname (AX)', ax?.get(AX_TYPES.nickname) ?? null],
    ];
    return show(
      ctx,
      'Signed in',
      h`<h1 id="outcome">Signed in</h1>
<p>Verified claimed identifier:</p><p><code id="claimed-id">${result.claimedId}</code></p>
<p class="muted">Provider: <code>${result.endpoint.opEndpoint}</code>, checked by ${result.verifiedBy === 'association' ? 'an association (HMAC)' : 'check_authentication'}.</p>
<h2>Signed attributes</h2>
<table id="attributes">${rows.map(([k, v]) => h`<tr><th>${k}</th><td data-attr="${k}">${v ?? h`<span class="muted">not sent</span>`}</td></tr>`)}</table>
${options.canMoveToOpenIDConnect ? moveAccountForm(ctx) : ''}
<p><a href="/">Sign in again</a></p>`,
    );
  }

  return {
    async handle(ctx) {
      const p = ctx.url.pathname;
      if (p === '/' && ctx.request.method === 'GET') {
        // Relying-party discovery (spec §13): providers verify our return_to from the realm's XRDS.
        if ((ctx.request.headers.get('accept') ?? '').includes('application/xrds+xml')) {
          return textResponse(
            ctx,
            // The OpenID Connect callback too: the provider checks it against openid2_realm (Migration 1.0 §3).
            rpReturnToXrds([`${ctx.base}/rp/return`, `${ctx.base}/rp/oidc/callback`]),
            200,
            'application/xrds+xml',
          );
        }
        return home(ctx);
      }
      if (p === '/rp/login' && ctx.request.method === 'POST') return login(ctx);
      if (p === '/rp/return') return callback(ctx);
      return null;
    },
  };
}
