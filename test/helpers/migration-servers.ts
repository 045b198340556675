/**
 * Servers for the Migration 1.0 end-to-end tests, all on 127.0.0.1:
 * - a dual provider: openid2's `Provider` (`/op`, identity pages `/id/<name>`
 *   that also answer the §6 JSON request) and `oidc-provider` (everything
 *   else) on one origin, checking `openid2_realm` with openid2/migrate;
 * - a plain site serving a realm's relying-party discovery XRDS and
 *   identity pages of its own (the "elsewhere" of the attack tests);
 * - a browser: a cookie jar that follows redirects up to a callback URL.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type ClientMetadata, errors } from 'oidc-provider';
import { nodeListener } from '../../src/adapters/node-http.js';
import {
  checkOpenID2Realm,
  issuerDocument,
  openid2IdClaim,
  wantsIssuerDocument,
} from '../../src/migrate/index.js';
import { identityPageHtml, identityPageXrds } from '../../src/op/identity-pages.js';
import { Provider as OpenID2Provider } from '../../src/op/provider.js';
import { MemoryStore } from '../../src/stores/memory.js';

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
}

export interface OidcServer {
  /** Origin, also the OpenID Connect issuer. */
  base: string;
  /** The user the next interaction signs in as. */
  user: string;
  /** Requests the §3 check refused: their codes. */
  refusals: string[];
  close(): Promise<void>;
}

export interface OidcServerOptions {
  clients: ClientMetadata[];
  /** The OpenID 2.0 identifier of a user, or null; given the server's origin. */
  openid2IdOf(user: string, base: string): string | null;
  /** Run the Migration §3 realm check (the honest provider does; the rogue one does not). */
  checkRealm: boolean;
  /** Serve openid2's Provider and identity pages beside OpenID Connect. */
  openid2: boolean;
}

/** oidc-provider (and optionally openid2's Provider) on one origin. */
export async function startOidcServer(options: OidcServerOptions): Promise<OidcServer> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, s) => s.end();
  const server = createServer((req, res) => handler(req, res));
  const base = await listen(server);
  const state = { user: 'alice', refusals: [] as string[] };

  const oidc = new Provider(base, {
    clients: options.clients,
    jwks: { keys: [{ ...signingKey, kid: 'k1', use: 'sig', alg: 'RS256' }] },
    cookies: { keys: ['test-cookie-key-0123456789'] },
    scopes: ['openid', 'openid2'],
    claims: { openid: ['sub'], openid2: ['openid2_id'] },
    // Migration §4: openid2_id goes in the ID Token, also in the code flow.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    extraParams: {
      async openid2_realm(ctx, value) {
        if (!options.checkRealm) return;
        const verdict = await checkOpenID2Realm({
          openid2Realm: value ?? undefined,
          redirectUri: String(ctx.oidc.params?.redirect_uri ?? ''),
          fetch: { allowPrivateNetworks: true },
        });
        if (!verdict.ok) {
          state.refusals.push(verdict.code);
          throw new errors.InvalidRequest(verdict.errorResponse.error_description);
        }
      },
    },
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        claims: async () => ({ sub, ...openid2IdClaim(options.openid2IdOf(sub, base)) }),
      };
    },
  });
  oidc.on('server_error', (_ctx, err) => console.error(err));

  const openid2 = new OpenID2Provider({
    endpoint: `${base}/op`,
    store: new MemoryStore(),
    fetch: { allowPrivateNetworks: true },
    allowNoEncryptionOverHttp: true,
  });
  const web = nodeListener(async (req) => {
    const url = new URL(req.url);
    if (url.pathname === '/op') {
      const params = req.method === 'POST' ? new URLSearchParams(await req.text()) : url.searchParams;
      // The user is signed in and approves: answer for the identity asked about.
      const answer = await openid2.respond(params, async (request) => request.answer(true, {}));
      if (!answer) return new Response('OpenID endpoint\n');
      return new Response(answer.body || null, { status: answer.status, headers: answer.headers });
    }
    const m = /^\/id\/([a-z0-9_-]+)$/.exec(url.pathname) as RegExpExecArray;
    const accept = req.headers.get('accept');
    // Migration §6: the identifier URL names its OpenID Connect issuer.
    if (wantsIssuerDocument(accept)) {
      const doc = issuerDocument(base);
      return new Response(doc.body, { status: doc.status, headers: doc.headers });
    }
    if ((accept ?? '').includes('application/xrds+xml')) {
      return new Response(identityPageXrds(`${base}/op`), {
        headers: { 'content-type': 'application/xrds+xml' },
      });
    }
    return new Response(identityPageHtml({ opEndpoint: `${base}/op`, title: m[1] as string }), {
      headers: { 'content-type': 'text/html' },
    });
  });

  const callback = oidc.callback();
  handler = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    if (options.openid2 && (path === '/op' || /^\/id\/[a-z0-9_-]+$/.test(path))) return void web(req, res);
    if (path.startsWith('/interaction/')) {
      // Sign-in and consent, decided by the test: sign in as `user`, grant what was asked.
      void (async () => {
        const details = await oidc.interactionDetails(req, res);
        const grant = new oidc.Grant({ accountId: state.user, clientId: String(details.params.client_id) });
        grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        await oidc.interactionFinished(
          req,
          res,
          { login: { accountId: state.user }, consent: { grantId } },
          { mergeWithLastSubmission: false },
        );
      })().catch((e) => {
        res.statusCode = 500;
        res.end(String(e));
      });
      return;
    }
    callback(req, res);
  };

  return {
    base,
    get user() {
      return state.user;
    },
    set user(u: string) {
      state.user = u;
    },
    refusals: state.refusals,
    close: closer(server),
  };
}

export interface PlainSite {
  base: string;
  close(): Promise<void>;
}

/**
 * A site serving fixed pages: path -> [content type, body(base)]. Requests
 * with `Accept: application/xrds+xml` get the `xrds:` entry of the path.
 */
export async function startPlainSite(
  pages: Record<string, (base: string) => { type: string; body: string; status?: number; location?: string }>,
): Promise<PlainSite> {
  let base = '';
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    const xrds = (req.headers.accept ?? '').includes('application/xrds+xml');
    const page = (xrds ? pages[`xrds:${path}`] : undefined) ?? pages[path];
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const p = page(base);
    res
      .writeHead(p.status ?? 200, { 'content-type': p.type, ...(p.location ? { location: p.location } : {}) })
      .end(p.body);
  });
  base = await listen(server);
  return { base, close: closer(server) };
}

/** An XRDS document listing return_to URLs (relying-party discovery, OpenID 2.0 §13). */
export function returnToXrds(returnTos: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD>
<Service><Type>http://specs.openid.net/auth/2.0/return_to</Type>${returnTos.map((u) => `<URI>${u}</URI>`).join('')}</Service>
</XRD></xrds:XRDS>`;
}

/**
 * A browser: follows redirects from `start` (sending the cookies it was
 * given) until a Location starts with `until`, and returns that URL.
 */
export async function browseUntil(start: string, until: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = start;
  for (let hops = 0; hops < 20; hops++) {
    if (url.startsWith(until)) return new URL(url);
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(';');
      const eq = (pair as string).indexOf('=');
      jar.set((pair as string).slice(0, eq).trim(), (pair as string).slice(eq + 1));
    }
    const location = res.headers.get('location');
    if (location === null)
      throw new Error(
        `${url} answered ${res.status} without a redirect: ${(await res.text()).slice(0, 300)}`,
      );
    await res.arrayBuffer();
    url = new URL(location, url).href;
  }
  throw new Error('too many redirects');
}
