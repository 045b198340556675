/**
 * The site's side of the move: "move this account to OpenID Connect" starts
 * an authorization code flow (PKCE, nonce, the Migration §2 parameters);
 * the callback links the old claimed identifier to the new `iss` + `sub`
 * once openid2/migrate has verified `openid2_id` (§5-§7).
 */
import { openid2AuthorizationParams, verifyOpenID2Id } from 'openid2/migrate';
import { type Ctx, csrfOk, redirect } from '../http.js';
import { h, type Raw } from '../layout.js';
import { CLIENT_ID, type MigrationContext, type OpenIdClientModule, show } from './context.js';

type ClientConfig = Awaited<ReturnType<OpenIdClientModule['discovery']>>;

/** The site's half: its OpenID Connect client and the links it made (old claimed id → iss + sub). */
export interface MigrationSite {
  start(ctx: Ctx): Promise<Response>;
  finish(ctx: Ctx): Promise<Response>;
}

const failed = (ctx: Ctx, title: string, body: Raw): Response =>
  show(ctx, title, h`<h1 id="outcome">${title}</h1>${body}`, 400);

export function migrationSite(client: OpenIdClientModule, m: MigrationContext): MigrationSite {
  let config: ClientConfig | null = null;
  const clientConfig = async (): Promise<ClientConfig> => {
    config ??= await client.discovery(
      new URL(m.issuer),
      CLIENT_ID,
      undefined,
      client.ClientSecretPost(m.secret),
      { execute: [client.allowInsecureRequests] },
    );
    return config;
  };
  /** A real site keeps these in its user table. */
  const links = new Map<string, { issuer: string; subject: string }>();
  return {
    start: (ctx) => start(ctx, client, clientConfig, m),
    finish: async (ctx) => finish(ctx, client, await clientConfig(), m, links),
  };
}

async function start(
  ctx: Ctx,
  client: OpenIdClientModule,
  clientConfig: () => Promise<ClientConfig>,
  m: MigrationContext,
): Promise<Response> {
  if (!csrfOk(ctx) || !ctx.session.openid2ClaimedId) return redirect(ctx, '/');
  const cfg = await clientConfig();
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  ctx.session.oidcLogin = { verifier, nonce };
  const url = client.buildAuthorizationUrl(cfg, {
    redirect_uri: m.redirectUri,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    ...openid2AuthorizationParams(m.realm), // Migration §2
  });
  return redirect(ctx, url.href);
}

/** The ID Token's claims for this browser's move in progress, or a page saying why there are none. */
async function tokenClaims(
  ctx: Ctx,
  client: OpenIdClientModule,
  cfg: ClientConfig,
): Promise<Record<string, unknown> | Response> {
  const pending = ctx.session.oidcLogin;
  delete ctx.session.oidcLogin;
  const refused = ctx.url.searchParams.get('error');
  if (refused !== null) {
    const why = ctx.url.searchParams.get('error_description') ?? '';
    return failed(
      ctx,
      'Move failed',
      h`<p class="error">The provider answered <code>${refused}</code>: ${why}</p>`,
    );
  }
  try {
    if (!pending || !ctx.session.openid2ClaimedId) throw new Error('no move in progress in this browser');
    const tokens = await client.authorizationCodeGrant(cfg, ctx.url, {
      pkceCodeVerifier: pending.verifier,
      expectedNonce: pending.nonce,
    });
    return tokens.claims() ?? {};
  } catch (e) {
    return failed(ctx, 'Move failed', h`<p class="error">${String(e)}</p>`);
  }
}

async function finish(
  ctx: Ctx,
  client: OpenIdClientModule,
  cfg: ClientConfig,
  m: MigrationContext,
  links: Map<string, { issuer: string; subject: string }>,
): Promise<Response> {
  const old = ctx.session.openid2ClaimedId;
  const claims = await tokenClaims(ctx, client, cfg);
  if (claims instanceof Response) return claims;
  const verdict = await verifyOpenID2Id({
    claims,
    issuer: cfg.serverMetadata().issuer,
    clientId: CLIENT_ID,
    realm: m.realm,
    fetch: { allowPrivateNetworks: true },
  });
  if (!verdict.ok)
    return failed(
      ctx,
      'Move refused',
      h`<p class="error">${verdict.message}</p><p class="muted">code: <code>${verdict.code}</code></p>`,
    );
  // Migration §7: the proven identifier must be the account signed in here.
  const { openid2Id, issuer, subject, proof } = verdict.value;
  if (openid2Id !== old)
    return failed(
      ctx,
      'Move refused',
      h`<p class="error">The provider signed in ${openid2Id}, not ${old}.</p>`,
    );
  links.set(openid2Id, { issuer, subject });
  return show(
    ctx,
    'Account moved',
    h`<h1 id="outcome">Account moved to OpenID Connect</h1>
<p>OpenID 2.0 identifier <code id="old-id">${openid2Id}</code> is now linked to</p>
<p>issuer <code id="new-iss">${issuer}</code>, subject <code id="new-sub">${subject}</code></p>
<p class="muted">Proven by ${proof.method === 'issuer-document' ? 'the identifier naming its issuer' : 'the provider endpoint found by discovery'} (Migration 1.0 §6).</p>`,
  );
}
