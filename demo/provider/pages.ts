/**
 * The provider's public pages: its home (also the OP identifier, answering
 * XRDS to a Yadis client), and each user's identity page with XRDS and
 * HTML link discovery.
 */
import { identityPageHead, identityPageXrds, opIdentifierXrds } from 'openid2';
import { type Ctx, htmlResponse, textResponse } from '../http.js';
import { h, page, raw } from '../layout.js';
import { csrfField, endpointUrl, identityUrl, nav, type ProviderDeps, show } from './view.js';

const XRDS = 'application/xrds+xml';
const wantsXrds = (ctx: Ctx) => (ctx.request.headers.get('accept') ?? '').includes(XRDS);

/** The OP identifier's XRDS: one service, identifier_select. */
export const opXrds = (ctx: Ctx): Response =>
  textResponse(ctx, opIdentifierXrds(endpointUrl(ctx)), 200, XRDS);

export function home(ctx: Ctx): Response {
  if (wantsXrds(ctx)) return opXrds(ctx);
  const user = ctx.session.username;
  const body = h`<h1>openid2 demo provider</h1>
<p>Provider endpoint: <code>${endpointUrl(ctx)}</code>. Type <code>${ctx.base}/op/</code> at a site to let this provider choose your identity.</p>
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

/** /op/id/<username>: XRDS for a Yadis client or `?xrds=1`, else HTML with the discovery links. */
export function identityPage(ctx: Ctx, username: string, { accounts }: ProviderDeps): Response {
  const account = accounts.get(username);
  if (!account) return show(ctx, 'Not found', h`<p class="error">No such user.</p>`, 404);
  if (wantsXrds(ctx) || ctx.url.searchParams.get('xrds') === '1')
    return textResponse(ctx, identityPageXrds(endpointUrl(ctx)), 200, XRDS);
  const head = identityPageHead({
    opEndpoint: endpointUrl(ctx),
    xrdsUrl: `${identityUrl(ctx, username)}?xrds=1`,
  });
  const html = page(
    username,
    h`<h1>${account.nickname}</h1><p>This is the OpenID of <strong>${username}</strong> at the openid2 demo provider.</p>`,
    nav(ctx),
  );
  return htmlResponse(ctx, html.replace('</title>', `</title>\n${raw(head).html}`));
}
