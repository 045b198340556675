/**
 * The provider's side of the move: `oidc-provider` under /oidc, returning
 * the user's OpenID 2.0 identity URL as `openid2_id` after the §3 realm
 * check, and its interaction page (the demo provider's session signs the
 * user in; linking the two identifiers is asked first, §9.1).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkOpenID2Realm, openid2IdClaim } from 'openid2/migrate';
import { h, page } from '../layout.js';
import {
  CLIENT_ID,
  identityUrl,
  type MigrationContext,
  type OidcProvider,
  type OidcProviderModule,
} from './context.js';

/** The OpenID Connect provider, with the site as its one client. */
export function createOidcProvider(mod: OidcProviderModule, m: MigrationContext): OidcProvider {
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const Provider = mod.default;
  return new Provider(m.issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: m.secret,
        redirect_uris: [m.redirectUri],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys: [{ ...key, kid: 'demo', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: [randomBytes(24).toString('base64url')] },
    scopes: ['openid', 'openid2'],
    claims: { openid: ['sub'], openid2: ['openid2_id'] },
    conformIdTokenClaims: false, // Migration §4: openid2_id in the ID Token, also in the code flow
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/oidc-interaction/${interaction.uid}` },
    extraParams: {
      // Migration §3: the redirect_uri must lie within openid2_realm, and the realm must advertise it.
      async openid2_realm(ctx, value) {
        const verdict = await checkOpenID2Realm({
          openid2Realm: value ?? undefined,
          redirectUri: String(ctx.oidc.params?.redirect_uri ?? ''),
          fetch: { allowPrivateNetworks: true },
        });
        if (!verdict.ok) throw new mod.errors.InvalidRequest(verdict.errorResponse.error_description);
      },
    },
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        claims: async () => ({ sub, ...openid2IdClaim(m.accounts.get(sub) ? identityUrl(m, sub) : null) }),
      };
    },
  });
}

function sendHtml(res: ServerResponse, html: string, headers: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers });
  res.end(html);
}

/** /oidc-interaction/<uid>: sign-in through the demo provider's session, the §9.1 question, the grant. */
export async function interaction(
  oidc: OidcProvider,
  m: MigrationContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const cookie = req.headers.cookie;
  const session = m.sessions.get(new Request(`${m.base}${req.url}`, { headers: cookie ? { cookie } : {} }));
  const username = session.data.username;
  if (!username) {
    const body = h`<h1>Sign in at the provider first</h1><p><a href="/op/login">Sign in</a>, then <a href="${req.url ?? '/'}">continue</a>.</p>`;
    return sendHtml(res, page('Sign in first', body));
  }
  const details = await oidc.interactionDetails(req, res);
  const wantsOpenID2 = String(details.params.scope ?? '')
    .split(' ')
    .includes('openid2');
  if (wantsOpenID2 && req.method !== 'POST') {
    const site = String(details.params.openid2_realm ?? details.params.redirect_uri);
    const csrf = m.sessions.csrf(session.id);
    return sendHtml(res, linkQuestion(site, identityUrl(m, username), req.url ?? '', csrf), {
      'x-frame-options': 'DENY',
      'cache-control': 'no-store',
    });
  }
  if (wantsOpenID2) {
    const form = new URLSearchParams(await readBody(req));
    if (!m.sessions.checkCsrf(session.id, form.get('csrf')) || form.get('decision') !== 'allow') {
      const refusal = {
        error: 'access_denied',
        error_description: 'the user declined to link the identifiers',
      };
      return oidc.interactionFinished(req, res, refusal, { mergeWithLastSubmission: false });
    }
  }
  const grant = new oidc.Grant({ accountId: username, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope));
  const grantId = await grant.save();
  const outcome = { login: { accountId: username }, consent: { grantId } };
  await oidc.interactionFinished(req, res, outcome, { mergeWithLastSubmission: false });
}

/** Migration §9.1: ask before correlating the old and the new identifier. */
function linkQuestion(site: string, openid2Id: string, action: string, csrf: string): string {
  return page(
    'Link your identifiers?',
    h`<h1>Link your OpenID 2.0 identifier?</h1>
<p>The site <code>${site}</code> asks to learn that your OpenID 2.0
identifier <code>${openid2Id}</code> and your OpenID Connect account are the same person.</p>
<form method="post" action="${action}"><input type="hidden" name="csrf" value="${csrf}">
<button type="submit" name="decision" value="allow" id="allow-link">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary" id="deny-link">Don't link</button></form>`,
  );
}

/** A small form body (the consent POST), bounded. */
async function readBody(req: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 16 * 1024) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
