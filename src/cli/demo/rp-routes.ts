/**
 * The demo relying party under /: a login box taking any OpenID, a
 * "sign in with the demo provider" button (identifier_select, the way Steam
 * logins work), and a site session: the return is answered with a 303 to
 * /rp/me (post/redirect/get), which shows the verified claimed id and the
 * signed attributes only, with a sign-out button. Logins run through the
 * adapters' flow (src/adapters/login-flow.ts): one state cookie per pending
 * login, so several tabs can sign in at once, and a reload of a used return
 * URL reads as `state_used`.
 */

import {
  type FlowRequest,
  finishLogin,
  type HttpAnswer,
  startAnswer,
  startLogin,
} from '../../adapters/login-flow.js';
import { AXFetchRequest, AXFetchResponse } from '../../extensions/ax.js';
import { AX_TYPES } from '../../extensions/ax-types.js';
import { SRegRequest, SRegResponse } from '../../extensions/sreg.js';
import { rpReturnToXrds } from '../../op/identity-pages.js';
import type { RelyingParty } from '../../rp/relying-party.js';
import type { CompleteResult } from '../../rp/result.js';
import { type Ctx, csrfOk, htmlResponse, redirect, textResponse } from './http.js';
import { h, page, type Raw } from './layout.js';
import { moveAccountForm } from './migrate.js';

export interface RpRoutes {
  handle(ctx: Ctx): Promise<Response | null>;
}

/** A sentence a person can act on, for each way a sign-in can fail (the code stays as the detail). */
export function humanFailure(code: string): string {
  switch (code) {
    case 'missing_identifier':
      return 'Type your OpenID (the address of your identity page) first.';
    case 'fetch_failed':
    case 'fetch_timeout':
    case 'too_many_redirects':
      return 'We could not reach that address. Check it for typing errors, or try again later.';
    case 'fetch_blocked':
      return 'That address is on a private network, which this site may not contact.';
    case 'fetch_invalid_url':
    case 'identifier_invalid':
      return 'That does not look like an OpenID. Type a web address such as example.com/yourname.';
    case 'no_openid_service':
    case 'not_discoverable':
      return 'That page does not say where to sign in: it is not an OpenID.';
    case 'form_expired':
      return 'The form expired; please try again.';
    case 'cancel':
      return 'You cancelled at your provider. Nothing was shared.';
    case 'setup_needed':
      return 'Your provider needs you to sign in there first.';
    case 'unsolicited_rejected':
    case 'state_expired':
      return 'This sign-in was not started here, or it took too long. Please start again.';
    case 'state_used':
      return 'That sign-in was finished already. Start again if you are not signed in.';
    default:
      return 'Sign-in did not work. Please start again; if it keeps failing, the detail below helps the site owner.';
  }
}

const ATTRIBUTE_ROWS = (
  result: Extract<CompleteResult, { status: 'success' }>,
): [string, string | null][] => {
  const sreg = SRegResponse.fromSuccess(result);
  const ax = AXFetchResponse.fromSuccess(result);
  return [
    ['nickname (SReg)', sreg?.get('nickname') ?? null],
    ['email (SReg)', sreg?.get('email') ?? null],
    ['full name (SReg)', sreg?.get('fullname') ?? null],
    ['email (AX)', ax?.get(AX_TYPES.email) ?? null],
    ['nickname (AX)', ax?.get(AX_TYPES.nickname) ?? null],
  ];
};

export function rpRoutes(rp: RelyingParty, options: { canMoveToOpenIDConnect?: boolean } = {}): RpRoutes {
  const nav = (ctx: Ctx): [string, string][] => [
    ctx.session.rpUser ? ['/rp/me', 'relying party: signed in'] : ['/', 'relying party'],
    ['/op/', 'provider'],
  ];
  const show = (ctx: Ctx, title: string, body: Raw, status = 200) =>
    htmlResponse(ctx, page(title, body, nav(ctx)), status);

  /** The sign-in page; the last input and its error are shown once. */
  function home(ctx: Ctx): Response {
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

  const flowRequest = (ctx: Ctx): FlowRequest => ({
    method: ctx.request.method,
    url: ctx.request.url,
    header: (n) => ctx.request.headers.get(n),
    form: ctx.form,
  });

  /** A Response of the flow's answer, with the demo's own cookies and headers. */
  function answer(ctx: Ctx, a: HttpAnswer): Response {
    const headers = new Headers({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
    for (const [k, v] of a.headers) {
      if (k === 'set-cookie') headers.append(k, v);
      else headers.set(k, v);
    }
    for (const c of ctx.cookies) headers.append('set-cookie', c);
    return new Response(a.body === '' ? null : a.body, { status: a.status, headers });
  }

  /** Back to the sign-in page with a human error and the input kept (post/redirect/get). */
  function failed(ctx: Ctx, code: string, headers: readonly (readonly [string, string])[] = []): Response {
    ctx.session.rpLast = {
      identifier: ctx.session.rpLast?.identifier ?? '',
      error: { text: humanFailure(code), code },
    };
    return answer(ctx, { status: 303, headers: [...headers, ['location', '/']], body: '' });
  }

  async function login(ctx: Ctx): Promise<Response> {
    const identifier = (ctx.form?.get('openid_identifier') ?? '').trim();
    // Kept for the page after a failure (shown in a wrapping field, never in the layout's width).
    ctx.session.rpLast = { identifier: identifier.slice(0, 8192) };
    if (!csrfOk(ctx)) return failed(ctx, 'form_expired');
    const start = await startLogin(rp, flowRequest(ctx), {
      beginOptions: {
        extensions: [
          new SRegRequest({ optional: ['nickname', 'email', 'fullname'] }),
          new AXFetchRequest()
            .add(AX_TYPES.email, { required: false })
            .add(AX_TYPES.nickname, { required: false }),
        ],
      },
    });
    if (!start.ok) return failed(ctx, start.code, start.headers);
    return answer(ctx, startAnswer(start));
  }

  async function callback(ctx: Ctx): Promise<Response> {
    const finish = await finishLogin(rp, flowRequest(ctx));
    if ('resubmit' in finish)
      return answer(ctx, {
        status: 200,
        headers: [...finish.headers, ['content-type', 'text/html; charset=utf-8']],
        body: finish.resubmit,
      });
    const { result, headers } = finish;
    if (result.status === 'success' && result.claimedId !== null) {
      // The site session holds who signed in. (The session id is rotated at the provider's sign-in;
      // rotating it here too would void the forms of another tab's login in progress.)
      ctx.session.openid2ClaimedId = result.claimedId;
      ctx.session.rpUser = {
        claimedId: result.claimedId,
        provider: result.endpoint.opEndpoint,
        verifiedBy: result.verifiedBy === 'association' ? 'an association (HMAC)' : 'check_authentication',
        attributes: ATTRIBUTE_ROWS(result),
      };
      delete ctx.session.rpLast;
      return answer(ctx, { status: 303, headers: [...headers, ['location', '/rp/me']], body: '' });
    }
    // A reload or the back button after a finished sign-in: the user is signed in already.
    if (result.status === 'failure' && result.code === 'state_used' && ctx.session.rpUser)
      return answer(ctx, { status: 303, headers: [...headers, ['location', '/rp/me']], body: '' });
    const code =
      result.status === 'failure' ? result.code : result.status === 'success' ? 'anonymous' : result.status;
    return failed(ctx, code, headers);
  }

  function me(ctx: Ctx): Response {
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
      if (p === '/rp/me' && ctx.request.method === 'GET') return me(ctx);
      if (p === '/rp/logout' && ctx.request.method === 'POST') {
        if (csrfOk(ctx)) {
          delete ctx.session.rpUser;
          delete ctx.session.openid2ClaimedId;
        }
        return redirect(ctx, '/');
      }
      return null;
    },
  };
}
