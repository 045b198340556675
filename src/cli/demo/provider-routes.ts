/**
 * The demo provider under /op/: sign-up and sign-in, identity pages with
 * XRDS and link discovery, the OP identifier, the OpenID endpoint, and a
 * consent page showing the realm and the attributes asked for.
 */

import { AXFetchRequest, AXFetchResponse } from '../../extensions/ax.js';
import { AX_TYPES } from '../../extensions/ax-types.js';
import { SRegRequest, SRegResponse } from '../../extensions/sreg.js';
import { identityPageHead, identityPageXrds, opIdentifierXrds } from '../../op/identity-pages.js';
import type { Provider } from '../../op/provider.js';
import { CheckIDRequest } from '../../op/requests.js';
import type { OPResponse } from '../../op/response.js';
import { ProtocolError } from '../../protocol/errors.js';
import type { DemoAccount, DemoAccountBook } from './accounts.js';
import { randomId } from './cookies.js';
import {
  type Ctx,
  csrfOk,
  htmlResponse,
  redirect,
  rotateSession,
  textResponse,
  webResponse,
} from './http.js';
import { h, page, type Raw, raw } from './layout.js';

/** The account details a site may ask for, in the order shown. */
const ATTRIBUTE_KEYS = ['nickname', 'fullname', 'email'] as const;
type AttributeKey = (typeof ATTRIBUTE_KEYS)[number];
const ATTRIBUTE_LABELS: Record<AttributeKey, string> = {
  nickname: 'Nickname',
  fullname: 'Full name',
  email: 'Email address',
};

export interface ProviderRoutes {
  handle(ctx: Ctx): Promise<Response | null>;
}

export function providerRoutes(op: Provider, accounts: DemoAccountBook): ProviderRoutes {
  const identityUrl = (ctx: Ctx, username: string) => `${ctx.base}/op/id/${username}`;
  const nav = (ctx: Ctx): [string, string][] =>
    ctx.session.username
      ? [
          ['/op/', `provider: ${ctx.session.username}`],
          ['/', 'relying party'],
        ]
      : [
          ['/op/login', 'provider sign-in'],
          ['/op/signup', 'sign up'],
          ['/', 'relying party'],
        ];
  const csrfField = (ctx: Ctx) =>
    h`<input type="hidden" name="csrf" value="${ctx.sessions.csrf(ctx.sessionId)}">`;
  const show = (ctx: Ctx, title: string, body: Raw, status = 200) =>
    htmlResponse(ctx, page(title, body, nav(ctx)), status);

  /**
   * Answer a checkid request for the signed-in user, with the attributes asked for that the user
   * agreed to share (`shared`: attribute keys; all of them for a remembered site).
   */
  function positive(
    ctx: Ctx,
    request: CheckIDRequest,
    user: DemoAccount,
    shared: ReadonlySet<AttributeKey> = new Set(ATTRIBUTE_KEYS),
  ): OPResponse {
    const response = request.answer(true, { identity: identityUrl(ctx, user.username) });
    const values = (keys: Record<AttributeKey, string>) =>
      Object.fromEntries(ATTRIBUTE_KEYS.filter((k) => shared.has(k)).map((k) => [keys[k], user[k]]));
    const sreg = SRegRequest.fromCheckIdRequest(request);
    if (sreg)
      response.addExtension(
        SRegResponse.extractResponse(
          sreg,
          values({ nickname: 'nickname', email: 'email', fullname: 'fullname' }),
        ),
      );
    if (request.message.isOpenID2()) {
      const ax = AXFetchRequest.fromCheckIdRequest(request);
      if (ax) {
        response.addExtension(
          AXFetchResponse.extractResponse(
            ax,
            values({ nickname: AX_TYPES.nickname, email: AX_TYPES.email, fullname: AX_TYPES.fullname }),
          ),
        );
      }
    }
    return response;
  }

  /** The attributes a request asks for, once each with a human label, whether required, and the value. */
  function askedAttributes(request: CheckIDRequest, user: DemoAccount) {
    const sreg = SRegRequest.fromCheckIdRequest(request);
    const ax = request.message.isOpenID2() ? AXFetchRequest.fromCheckIdRequest(request) : null;
    const byAx: Record<string, AttributeKey> = {
      [AX_TYPES.email]: 'email',
      [AX_TYPES.nickname]: 'nickname',
      [AX_TYPES.fullname]: 'fullname',
    };
    const asked = new Map<AttributeKey, boolean>();
    const note = (k: AttributeKey | undefined, required: boolean) => {
      if (k) asked.set(k, (asked.get(k) ?? false) || required);
    };
    for (const f of sreg?.requested ?? [])
      note(
        ATTRIBUTE_KEYS.find((k) => k === f),
        sreg?.required.includes(f) ?? false,
      );
    for (const a of ax?.attributes ?? []) note(byAx[a.typeUri], a.required);
    return [...asked].map(([key, required]) => ({
      key,
      label: ATTRIBUTE_LABELS[key],
      required,
      value: user[key],
    }));
  }

  /** Whether the signed-in user may answer for the identity the request names. */
  function userMatches(ctx: Ctx, request: CheckIDRequest, user: DemoAccount): boolean {
    return request.idSelect() || request.identity === identityUrl(ctx, user.username);
  }

  async function endpoint(ctx: Ctx): Promise<Response> {
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
    const trusted =
      user !== null &&
      userMatches(ctx, request, user) &&
      request.trustRootValid() &&
      accounts.isTrusted(user.username, request.realm);
    if (trusted && user) return webResponse(ctx, await op.encodeResponse(positive(ctx, request, user)));
    if (request.immediate) return webResponse(ctx, await op.encodeResponse(request.answer(false)));
    const rid = randomId(12);
    ctx.session.pending.set(rid, Object.fromEntries(params));
    if (ctx.session.pending.size > 20)
      ctx.session.pending.delete(ctx.session.pending.keys().next().value as string);
    return redirect(ctx, user ? `/op/consent?rid=${rid}` : `/op/login?rid=${rid}`);
  }

  async function consentPage(ctx: Ctx, rid: string): Promise<Response> {
    const params = ctx.session.pending.get(rid);
    const user = ctx.session.username ? accounts.get(ctx.session.username) : null;
    if (!params)
      return show(
        ctx,
        'Expired',
        h`<p class="error">This sign-in request has expired. Start again at the site.</p>`,
        400,
      );
    if (!user) return redirect(ctx, `/op/login?rid=${encodeURIComponent(rid)}`);
    const request = op.decodeRequest(new URLSearchParams(params)) as CheckIDRequest;
    // One call says whether to trust the request and why (realm, return_to, relying-party discovery).
    const trust = await request.evaluateTrust();
    if (trust.verdict === 'refuse') {
      ctx.session.pending.delete(rid);
      return webResponse(ctx, await op.encodeResponse(request.answer(false)));
    }
    const verified = trust.verdict === 'verified';
    const discovery = trust.checks.find((c) => c.rule === 'relying_party_discovery');
    if (!userMatches(ctx, request, user)) return wrongAccount(ctx, rid, request, user);
    const attrs = askedAttributes(request, user);
    return show(
      ctx,
      'Sign in to a site?',
      h`<h1>Sign in to this site?</h1>
<p>The site <strong class="mono" id="realm">${request.realm}</strong> asks to know that you are
<strong class="mono">${identityUrl(ctx, user.username)}</strong>.</p>
${verified ? h`<p class="ok">The site's return address is verified.</p>` : h`<p class="error">The site's return address <span class="mono">${request.returnTo}</span> could not be verified by relying-party discovery (<span class="mono" id="trust-reason">${discovery?.reason ?? ''}</span>). Continue only if you trust it.</p>`}
<form method="post" action="/op/consent">${csrfField(ctx)}<input type="hidden" name="rid" value="${rid}">
${
  attrs.length
    ? h`<p>It also asks for these details; untick what you do not want to share:</p><table id="attributes">${attrs.map(
        (a) =>
          h`<tr><td><input type="checkbox" name="share" value="${a.key}" id="share-${a.key}" checked${a.required ? h` disabled` : ''}>${a.required ? h`<input type="hidden" name="share" value="${a.key}">` : ''}</td><th><label for="share-${a.key}">${a.label}${a.required ? ' (required by the site)' : ''}</label></th><td class="mono" data-value="${a.key}">${a.value || h`<span class="muted">(empty)</span>`}</td></tr>`,
      )}</table>`
    : h`<p>It asks for no other details.</p>`
}
<label><input type="checkbox" name="always" value="1" id="always"> Remember this site (<a href="/op/sites">sites you trust</a>)</label>
<button type="submit" name="decision" value="allow" id="allow">Allow</button>
<button type="submit" name="decision" value="cancel" class="secondary" id="cancel">Cancel</button></form>`,
    );
  }

  /** Signed in as someone else than the identity the site asked for: a choice, never an error. */
  function wrongAccount(ctx: Ctx, rid: string, request: CheckIDRequest, user: DemoAccount): Response {
    const asked = /\/op\/id\/([a-z0-9_-]{2,32})$/.exec(request.identity ?? '')?.[1] ?? '';
    return show(
      ctx,
      'Another account',
      h`<h1>Which account?</h1>
<p id="wrong-account">The site <strong class="mono">${request.realm}</strong> asked to sign you in as
<strong class="mono">${request.identity}</strong>, but you are signed in here as <strong>${user.username}</strong>.</p>
<form method="post" action="/op/switch">${csrfField(ctx)}<input type="hidden" name="rid" value="${rid}"><input type="hidden" name="username" value="${asked}">
<button type="submit" id="switch">Sign out and continue as ${asked || 'that account'}</button></form>
<form method="post" action="/op/consent">${csrfField(ctx)}<input type="hidden" name="rid" value="${rid}">
<button type="submit" name="decision" value="cancel" class="secondary" id="cancel">Cancel and go back to the site</button></form>
<p class="muted">To sign in as ${user.username} instead, go back to the site and choose "Sign in through the openid2 demo provider".</p>`,
    );
  }

  async function consentPost(ctx: Ctx): Promise<Response> {
    if (!csrfOk(ctx))
      return show(ctx, 'Forbidden', h`<p class="error">The form expired; go back and try again.</p>`, 403);
    const rid = ctx.form?.get('rid') ?? '';
    const params = ctx.session.pending.get(rid);
    const user = ctx.session.username ? accounts.get(ctx.session.username) : null;
    if (!params || !user)
      return show(ctx, 'Expired', h`<p class="error">This sign-in request has expired.</p>`, 400);
    ctx.session.pending.delete(rid);
    const request = op.decodeRequest(new URLSearchParams(params)) as CheckIDRequest;
    if (ctx.form?.get('decision') !== 'allow')
      return webResponse(ctx, await op.encodeResponse(request.answer(false)));
    if (!userMatches(ctx, request, user)) {
      ctx.session.pending.set(rid, params);
      return wrongAccount(ctx, rid, request, user);
    }
    if (ctx.form?.get('always') === '1' && request.trustRootValid())
      accounts.trust(user.username, request.realm);
    const shared = new Set(ATTRIBUTE_KEYS.filter((k) => ctx.form?.getAll('share').includes(k)));
    return webResponse(ctx, await op.encodeResponse(positive(ctx, request, user, shared)));
  }

  function accountForm(ctx: Ctx, kind: 'login' | 'signup', error?: string): Response {
    const rid = ctx.url.searchParams.get('rid') ?? ctx.form?.get('rid') ?? '';
    // What the user typed stays (never the password); a switch of account names the one asked for.
    const kept = (name: string) =>
      (ctx.form?.get(name) ?? ctx.url.searchParams.get(name) ?? '').slice(0, 256);
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

  async function accountPost(ctx: Ctx, kind: 'login' | 'signup'): Promise<Response> {
    if (!csrfOk(ctx))
      return show(ctx, 'Forbidden', h`<p class="error">The form expired; go back and try again.</p>`, 403);
    const f = ctx.form as URLSearchParams;
    const username = (f.get('username') ?? '').trim().toLowerCase();
    const password = f.get('password') ?? '';
    if (kind === 'signup') {
      try {
        const created = await accounts.create(username, password, {
          nickname: f.get('nickname') || username,
          fullname: f.get('fullname') ?? '',
          email: f.get('email') ?? '',
        });
        if (!created) return accountForm(ctx, 'signup', 'That username is taken.');
      } catch (e) {
        return accountForm(ctx, 'signup', e instanceof Error ? e.message : 'invalid input');
      }
    } else if (!(await accounts.authenticate(username, password))) {
      return accountForm(ctx, 'login', 'Wrong username or password.');
    }
    // A new session id at sign-in (a planted pre-login id must not become a signed-in one).
    rotateSession(ctx);
    ctx.session.username = username;
    const rid = f.get('rid') ?? '';
    return redirect(
      ctx,
      rid && ctx.session.pending.has(rid) ? `/op/consent?rid=${encodeURIComponent(rid)}` : '/op/',
    );
  }

  /** "Sites you trust": the realms remembered for the signed-in user, each with a revoke button. */
  function sitesPage(ctx: Ctx): Response {
    const user = ctx.session.username;
    if (!user) return redirect(ctx, '/op/login');
    const sites = accounts.trustedRealms(user);
    return show(
      ctx,
      'Sites you trust',
      h`<h1>Sites you trust</h1>
${
  sites.length
    ? h`<p>These sites sign you in without asking. Revoke one to be asked again.</p><table id="sites">${sites.map(
        (realm) =>
          h`<tr><td class="mono">${realm}</td><td><form method="post" action="/op/sites">${csrfField(ctx)}<input type="hidden" name="realm" value="${realm}"><button type="submit" class="secondary" data-revoke="${realm}">Revoke</button></form></td></tr>`,
      )}</table>`
    : h`<p id="no-sites">No site is remembered: every site asks first.</p>`
}`,
    );
  }

  function revokeSite(ctx: Ctx): Response {
    const user = ctx.session.username;
    if (user && csrfOk(ctx)) accounts.untrust(user, ctx.form?.get('realm') ?? '');
    return redirect(ctx, '/op/sites');
  }

  function home(ctx: Ctx): Response {
    if ((ctx.request.headers.get('accept') ?? '').includes('application/xrds+xml')) {
      return textResponse(ctx, opIdentifierXrds(`${ctx.base}/op/openid`), 200, 'application/xrds+xml');
    }
    const user = ctx.session.username;
    const body = h`<h1>openid2 demo provider</h1>
<p>Provider endpoint: <code>${ctx.base}/op/openid</code>. Type <code>${ctx.base}/op/</code> at a site to let this provider choose your identity.</p>
${
  user
    ? h`<p class="ok">Signed in as <strong>${user}</strong>. Your OpenID is <code id="my-openid">${identityUrl(ctx, user)}</code>.</p>
<p><a href="/op/sites" id="sites-link">Sites you trust</a></p>
<form method="post" action="/op/logout">${csrfField(ctx)}<button type="submit" class="secondary">Sign out</button></form>`
    : h`<p><a href="/op/signup">Create an account</a> or <a href="/op/login">sign in</a>.</p>`
}`;
    const res = show(ctx, 'Demo provider', body);
    res.headers.set('x-xrds-location', `${ctx.base}/op/xrds`);
    return res;
  }

  function identityPage(ctx: Ctx, username: string): Response {
    const account = accounts.get(username);
    if (!account) return show(ctx, 'Not found', h`<p class="error">No such user.</p>`, 404);
    const endpointUrl = `${ctx.base}/op/openid`;
    const id = identityUrl(ctx, username);
    if ((ctx.request.headers.get('accept') ?? '').includes('application/xrds+xml')) {
      return textResponse(ctx, identityPageXrds(endpointUrl), 200, 'application/xrds+xml');
    }
    const head = identityPageHead({ opEndpoint: endpointUrl, xrdsUrl: `${id}?xrds=1` });
    if (ctx.url.searchParams.get('xrds') === '1')
      return textResponse(ctx, identityPageXrds(endpointUrl), 200, 'application/xrds+xml');
    const html = page(
      username,
      h`<h1>${account.nickname}</h1><p>This is the OpenID of <strong>${username}</strong> at the openid2 demo provider.</p>`,
      nav(ctx),
    );
    return htmlResponse(ctx, html.replace('</title>', `</title>\n${raw(head).html}`));
  }

  return {
    async handle(ctx) {
      const p = ctx.url.pathname;
      const m = ctx.request.method;
      if (p === '/op' || p === '/op/') return home(ctx);
      if (p === '/op/xrds')
        return textResponse(ctx, opIdentifierXrds(`${ctx.base}/op/openid`), 200, 'application/xrds+xml');
      if (p === '/op/openid') return endpoint(ctx);
      if (p === '/op/consent')
        return m === 'POST' ? consentPost(ctx) : consentPage(ctx, ctx.url.searchParams.get('rid') ?? '');
      if (p === '/op/login' || p === '/op/signup') {
        const kind = p === '/op/login' ? 'login' : 'signup';
        return m === 'POST' ? accountPost(ctx, kind) : accountForm(ctx, kind);
      }
      if (p === '/op/switch' && m === 'POST') {
        if (!csrfOk(ctx)) return redirect(ctx, '/op/');
        delete ctx.session.username;
        const rid = ctx.form?.get('rid') ?? '';
        const username = ctx.form?.get('username') ?? '';
        return redirect(
          ctx,
          `/op/login?rid=${encodeURIComponent(rid)}&username=${encodeURIComponent(username)}`,
        );
      }
      if (p === '/op/sites') return m === 'POST' ? revokeSite(ctx) : sitesPage(ctx);
      if (p === '/op/logout' && m === 'POST') {
        if (csrfOk(ctx)) delete ctx.session.username;
        return redirect(ctx, '/op/');
      }
      const id = /^\/op\/id\/([a-z0-9_-]{2,32})$/.exec(p);
      if (id) return identityPage(ctx, id[1] as string);
      return null;
    },
  };
}
