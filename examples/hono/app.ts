/**
 * One Hono app, unchanged on Node, Bun, Deno and Cloudflare Workers:
 * "Sign in through Steam" and "Sign in with any OpenID", through the
 * Web-standard handlers. Only the few lines that start a server differ per
 * runtime (serve.ts for Node / Bun / Deno, worker.ts for Workers); openid2
 * picks its fetcher and Diffie-Hellman for the runtime by itself.
 *
 * On Workers (no DNS pinning) the "any OpenID" login needs the providers
 * named (`allowedProviders`) or `allowDiscoveryWithoutDnsPinning`: see
 * docs/runtimes.md and SECURITY.md.
 */
import { Hono } from 'hono';
import { rpHandlers } from '../../src/adapters/web.js';
import { MemoryStore, RelyingParty } from '../../src/index.js';
import { steamIdOf, steamLogin } from '../../src/steam/index.js';

/** What the app needs to know; `fromEnv` reads it from environment variables / Worker bindings. */
export interface HonoExampleConfig {
  /** Where the app is reached, e.g. `https://app.example` (no trailing slash). */
  baseUrl: string;
  /** Key (≥ 32 bytes) authenticating the login state; the same in every instance. */
  secret: string;
  /** OpenID providers allowed for "any OpenID" logins (their OP endpoint URLs). */
  allowedProviders?: readonly string[];
  /** Discover any user-supplied OpenID even where DNS cannot be pinned (weaker SSRF guard). */
  allowDiscoveryWithoutDnsPinning?: boolean;
  /** Tests against a provider on loopback only: turns the SSRF guard's private-address check off. */
  allowPrivateNetworks?: boolean;
  /** A Steam-shaped test provider instead of Steam (tests only). */
  steam?: { opEndpoint: string; claimedIdPrefix: string; checkAuthOrigin: string };
}

/** The config from string variables (`process.env`, `Deno.env`, or a Worker's `env`). */
export function fromEnv(env: Readonly<Record<string, string | undefined>>): HonoExampleConfig {
  const baseUrl = env['BASE_URL'] ?? 'http://127.0.0.1:8787';
  const secret = env['OPENID2_SECRET'];
  if (secret === undefined) throw new Error('set OPENID2_SECRET (32 bytes or more)');
  const config: HonoExampleConfig = { baseUrl, secret };
  if (env['ALLOWED_PROVIDERS']) config.allowedProviders = env['ALLOWED_PROVIDERS'].split(',');
  if (env['ALLOW_DISCOVERY_WITHOUT_DNS_PINNING'] === '1') config.allowDiscoveryWithoutDnsPinning = true;
  if (env['ALLOW_PRIVATE_NETWORKS'] === '1') config.allowPrivateNetworks = true;
  if (env['STEAM_OP_ENDPOINT'] && env['STEAM_CLAIMED_ID_PREFIX']) {
    config.steam = {
      opEndpoint: env['STEAM_OP_ENDPOINT'],
      claimedIdPrefix: env['STEAM_CLAIMED_ID_PREFIX'],
      checkAuthOrigin: env['STEAM_CHECK_AUTH_ORIGIN'] ?? 'https://steamcommunity.com',
    };
  }
  return config;
}

const page = `<!doctype html><title>Sign in</title>
<form method="post" action="/auth/steam"><button>Sign in through Steam</button></form>
<form method="post" action="/auth/openid"><input name="openid_identifier"><button>Sign in</button></form>`;

/** The app: `/auth/steam`, `/auth/openid` and their return routes. */
export function createApp(config: HonoExampleConfig): Hono {
  const fetch = { allowPrivateNetworks: config.allowPrivateNetworks === true };
  const steam = steamLogin({
    realm: `${config.baseUrl}/`,
    returnTo: `${config.baseUrl}/auth/steam/return`,
    secret: config.secret,
    store: new MemoryStore(),
    fetch,
    ...(config.steam ?? {}),
  });
  const steamRoutes = rpHandlers(steam, {
    onSuccess: (result) => new Response(`Signed in as SteamID64 ${steamIdOf(result, steam)}\n`),
  });
  const rp = new RelyingParty({
    realm: `${config.baseUrl}/`,
    returnTo: `${config.baseUrl}/auth/openid/return`,
    secret: config.secret,
    store: new MemoryStore(),
    fetch,
    ...(config.allowedProviders === undefined ? {} : { allowedProviders: config.allowedProviders }),
    ...(config.allowDiscoveryWithoutDnsPinning ? { allowDiscoveryWithoutDnsPinning: true } : {}),
  });
  const openidRoutes = rpHandlers(rp, {
    onSuccess: (result) => new Response(`Signed in as ${result.claimedId}\n`),
  });

  const app = new Hono();
  app.get('/', (c) => c.html(page));
  app.post('/auth/steam', (c) => steamRoutes.login(c.req.raw));
  app.on(['GET', 'POST'], '/auth/steam/return', (c) => steamRoutes.callback(c.req.raw));
  app.post('/auth/openid', (c) => openidRoutes.login(c.req.raw));
  app.on(['GET', 'POST'], '/auth/openid/return', (c) => openidRoutes.callback(c.req.raw));
  app.onError((err) => {
    const code = (err as { code?: unknown }).code;
    return new Response(`error ${typeof code === 'string' ? code : 'internal'}: ${err.message}\n`, {
      status: 500,
    });
  });
  return app;
}
