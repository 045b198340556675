/**
 * The demo's OpenID 2.0 → OpenID Connect move (Migration 1.0): the demo
 * provider also answers OpenID Connect under /oidc (with `oidc-provider`,
 * provider.ts), returning the user's OpenID 2.0 identity URL as
 * `openid2_id` after the §3 realm check; the demo site offers "move this
 * account to OpenID Connect" and links the old claimed identifier to the new
 * `iss` + `sub` once openid2/migrate has verified it (site.ts, §5-§7).
 *
 * `oidc-provider` and `openid-client` are not dependencies of openid2:
 * when they are not installed the demo runs without this part.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { issuerDocument, wantsIssuerDocument } from 'openid2/migrate';
import type { DemoAccountBook } from '../accounts.js';
import { type Ctx, textResponse } from '../http.js';
import { h, type Raw } from '../layout.js';
import type { Sessions } from '../session.js';
import type { MigrationContext, OidcProviderModule, OpenIdClientModule } from './context.js';
import { createOidcProvider, interaction } from './provider.js';
import { migrationSite } from './site.js';

export interface DemoMigration {
  /** Serves /oidc/* (oidc-provider) at the Node level; false when the request is not for it. */
  nodeHandler(req: IncomingMessage, res: ServerResponse): boolean;
  /** The site's /rp/migrate and /rp/oidc/callback, and the §6 JSON answer of identity pages. */
  handle(ctx: Ctx): Promise<Response | null>;
}

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
  const m: MigrationContext = {
    base,
    issuer: `${base}/oidc`,
    realm: `${base}/`,
    redirectUri: `${base}/rp/oidc/callback`,
    secret: randomBytes(24).toString('base64url'),
    accounts,
    sessions,
  };
  const oidc = createOidcProvider(mods.op, m);
  const callback = oidc.callback();
  const site = migrationSite(mods.client, m);
  return {
    nodeHandler(req, res) {
      const url = req.url ?? '/';
      if (url.startsWith('/oidc-interaction/')) {
        interaction(oidc, m, req, res).catch((e) => {
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
        const doc = issuerDocument(m.issuer);
        return textResponse(ctx, doc.body, doc.status, 'application/json', { vary: 'Accept' });
      }
      if (p === '/rp/migrate' && ctx.request.method === 'POST') return site.start(ctx);
      if (p === '/rp/oidc/callback') return site.finish(ctx);
      return null;
    },
  };
}

/** The "move this account" form for the site's signed-in page. */
export function moveAccountForm(ctx: Ctx): Raw {
  return h`<form method="post" action="/rp/migrate"><input type="hidden" name="csrf" value="${ctx.sessions.csrf(ctx.sessionId)}">
<button type="submit" id="move-to-oidc">Move this account to OpenID Connect</button></form>`;
}
