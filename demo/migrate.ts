/**
 * The demo's OpenID 2.0 → OpenID Connect move (Migration 1.0): the demo
 * provider also answers OpenID Connect under /oidc (with `oidc-provider`),
 * returning the user's OpenID 2.0 identity URL as `openid2_id` after the
 * §3 realm check; the demo site offers "move this account to OpenID
 * Connect" and links the old claimed identifier to the new `iss` + `sub`
 * once openid2/migrate has verified it (§5-§7).
 *
 * `oidc-provider` and `openid-client` are not dependencies of openid2:
 * when they are not installed the demo runs without this part.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  checkOpenID2Realm,
  issuerDocument,
  openid2AuthorizationParams,
  openid2IdClaim,
  verifyOpenID2Id,
  wantsIssuerDocument,
} from 'openid2/migrate';
import type { DemoAccountBook } from './accounts.js';
import { type Ctx, csrfOk, htmlResponse, redirect, textResponse } from './http.js';
import { h, page, type Raw } from './layout.js';
import type { Sessions } from './session.js';

export interface DemoMigration {
  /** Serves /oidc/* (oidc-provider) at the Node level; false when the request is not for it. */
  nodeHandler(req: IncomingMessage, res: ServerResponse): boolean;
  /** The site's /rp/migrate and /rp/oidc/callback, and the §6 JSON answer of identity pages. */
  handle(ctx: Ctx): Promise<Response | null>;
}

const CLIENT_ID = 'openid2-demo-site';

type OidcProviderModule = typeof import('oidc-provider');
type OpenIdClientModule = typeof import('openid-client');

async function optionalImports(): Promise<{ op: OidcProviderModule; client: OpenIdClientModule } | null> {
  try {
    const [op, client] = await Promise.all([import('oidc-provider'), import('openid-client')]);
    return { op, client };
  } catch {
    return null;
  }
}

/** Sets up the move, or returns null when oidc-provider / openid-client are not installed. */
export async function startDemoMigration(options: {
  base: string;
  accounts: DemoAccountBook;
  sessions: Sessions;
}): Promise<DemoMigration | null> {
  const mods = await optionalImports();
  if (mods === null) return null;
  const { base, accounts, sessions } = options;
  const issuer = `${base}/oidc`;
  const realm = `${base}/`;
  const redirectUri = `${base}/rp/oidc/callback`;
  const secret = randomBytes(24).toString('base64url');
  const identityUrl = (username: string) => `${base}/op/id/${username}`;
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  /** The site's links: old claimed identifier -> new iss + sub (a real site keeps these in its user table). */
  const links = new Map<string, { issuer: string; subject: string }>();

  const Provider = mods.op.default;
  const oidc = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: secret,
        redirect_uris: [redirectUri],
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
        if (!verdict.ok) throw new mods.op.errors.InvalidRequest(verdict.errorResponse.error_description);
      },
    },
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        claims: async () => ({ sub, ...openid2IdClaim(accounts.get(sub) ? identityUrl(sub) : null) }),
      };
    },
  });
  const callback = oidc.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const cookie = req.headers.cookie;
    const session = sessions.get(new Request(`${base}${req.url}`, { headers: cookie ? { cookie } : {} }));
    const username = session.data.username;
    if (!username) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        page(
          'Sign in first',
          h`<h1>Sign in at the provider first</h1><p><a href="/op/login">Sign in</a>, then <a href="${req.url ?? '/'}">continue</a>.</p>`,
        ),
      );
      return;
    }
    const details = await oidc.interactionDetails(req, res);
    const wantsOpenID2 = String(details.params.scope ?? '')
      .split(' ')
      .includes('openid2');
    if (wantsOpenID2 && req.method !== 'POST') {
      // Migration §9.1: ask before correlating the old and the new identifier.
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'x-frame-options': 'DENY',
        'cache-control': 'no-store',
      });
      res.end(
        page(
          'Link your identifiers?',
          h`<h1>Link your OpenID 2.0 identifier?</h1>
<p>The site <code>${String(details.params.openid2_realm ?? details.params.redirect_uri)}</code> asks to learn that your OpenID 2.0
identifier <code>${identityUrl(username)}</code> and your OpenID Connect account are the same person.</p>
<form method="post" action="${req.url ?? ''}"><input type="hidden" name="csrf" value="${sessions.csrf(session.id)}">
<button type="submit" name="decision" value="allow" id="allow-link">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary" id="deny-link">Don't link</button></form>`,
        ),
      );
      return;
    }
    if (wantsOpenID2) {
      const form = new URLSearchParams(await readBody(req));
      if (!sessions.checkCsrf(session.id, form.get('csrf')) || form.get('decision') !== 'allow') {
        await oidc.interactionFinished(
          req,
          res,
          { error: 'access_denied', error_description: 'the user declined to link the identifiers' },
          { mergeWithLastSubmission: false },
        );
        return;
      }
    }
    const grant = new oidc.Grant({ accountId: username, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await oidc.interactionFinished(
      req,
      res,
      { login: { accountId: username }, consent: { grantId } },
      { mergeWithLastSubmission: false },
    );
  }

  const client = mods.client;
  let config: Awaited<ReturnType<OpenIdClientModule['discovery']>> | null = null;
  const clientConfig = async () => {
    config ??= await client.discovery(
      new URL(issuer),
      CLIENT_ID,
      undefined,
      client.ClientSecretPost(secret),
      {
        execute: [client.allowInsecureRequests],
      },
    );
    return config;
  };
  const show = (ctx: Ctx, title: string, body: Raw, status = 200) =>
    htmlResponse(
      ctx,
      page(title, body, [
        ['/', 'relying party'],
        ['/op/', 'provider'],
      ]),
      status,
    );

  async function start(ctx: Ctx): Promise<Response> {
    if (!csrfOk(ctx) || !ctx.session.openid2ClaimedId) return redirect(ctx, '/');
    const cfg = await clientConfig();
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    ctx.session.oidcLogin = { verifier, nonce };
    const url = client.buildAuthorizationUrl(cfg, {
      redirect_uri: redirectUri,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      ...openid2AuthorizationParams(realm), // Migration §2
    });
    return redirect(ctx, url.href);
  }

  async function finish(ctx: Ctx): Promise<Response> {
    const pending = ctx.session.oidcLogin;
    delete ctx.session.oidcLogin;
    const old = ctx.session.openid2ClaimedId;
    const cfg = await clientConfig();
    const refused = ctx.url.searchParams.get('error');
    if (refused !== null) {
      const why = ctx.url.searchParams.get('error_description') ?? '';
      return show(
        ctx,
        'Move failed',
        h`<h1 id="outcome">Move failed</h1><p class="error">The provider answered <code>${refused}</code>: ${why}</p>`,
        400,
      );
    }
    let claims: Record<string, unknown> | undefined;
    try {
      if (!pending || !old) throw new Error('no move in progress in this browser');
      const tokens = await client.authorizationCodeGrant(cfg, ctx.url, {
        pkceCodeVerifier: pending.verifier,
        expectedNonce: pending.nonce,
      });
      claims = tokens.claims();
    } catch (e) {
      return show(
        ctx,
        'Move failed',
        h`<h1 id="outcome">Move failed</h1><p class="error">${String(e)}</p>`,
        400,
      );
    }
    const verdict = await verifyOpenID2Id({
      claims: claims ?? {},
      issuer: cfg.serverMetadata().issuer,
      clientId: CLIENT_ID,
      realm,
      fetch: { allowPrivateNetworks: true },
    });
    if (!verdict.ok) {
      return show(
        ctx,
        'Move refused',
        h`<h1 id="outcome">Move refused</h1><p class="error">${verdict.message}</p><p class="muted">code: <code>${verdict.code}</code></p>`,
        400,
      );
    }
    // Migration §7: the proven identifier must be the account signed in here.
    if (verdict.value.openid2Id !== old) {
      return show(
        ctx,
        'Move refused',
        h`<h1 id="outcome">Move refused</h1><p class="error">The provider signed in ${verdict.value.openid2Id}, not ${old}.</p>`,
        400,
      );
    }
    links.set(old, { issuer: verdict.value.issuer, subject: verdict.value.subject });
    return show(
      ctx,
      'Account moved',
      h`<h1 id="outcome">Account moved to OpenID Connect</h1>
<p>OpenID 2.0 identifier <code id="old-id">${old}</code> is now linked to</p>
<p>issuer <code id="new-iss">${verdict.value.issuer}</code>, subject <code id="new-sub">${verdict.value.subject}</code></p>
<p class="muted">Proven by ${verdict.value.proof.method === 'issuer-document' ? 'the identifier naming its issuer' : 'the provider endpoint found by discovery'} (Migration 1.0 §6).</p>`,
    );
  }

  return {
    nodeHandler(req, res) {
      const url = req.url ?? '/';
      if (url.startsWith('/oidc-interaction/')) {
        interaction(req, res).catch((e) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(e));
        });
        return true;
      }
      if (url === '/oidc' || url.startsWith('/oidc/') || url.startsWith('/oidc?')) {
        // Mounted under /oidc, as Express would: oidc-provider reads the prefix from originalUrl.
        (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
        req.url = url.slice('/oidc'.length) || '/';
        void callback(req, res);
        return true;
      }
      return false;
    },
    async handle(ctx) {
      const p = ctx.url.pathname;
      // Migration §6: an identity page asked for JSON names the OpenID Connect issuer.
      if (/^\/op\/id\/[^/]+$/.test(p) && wantsIssuerDocument(ctx.request.headers.get('accept'))) {
        const doc = issuerDocument(issuer);
        return textResponse(ctx, doc.body, doc.status, 'application/json', { vary: 'Accept' });
      }
      if (p === '/rp/migrate' && ctx.request.method === 'POST') return start(ctx);
      if (p === '/rp/oidc/callback') return finish(ctx);
      return null;
    },
  };
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

/** The "move this account" form for the site's signed-in page. */
export function moveAccountForm(ctx: Ctx): Raw {
  return h`<form method="post" action="/rp/migrate"><input type="hidden" name="csrf" value="${ctx.sessions.csrf(ctx.sessionId)}">
<button type="submit" id="move-to-oidc">Move this account to OpenID Connect</button></form>`;
}
