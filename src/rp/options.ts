/**
 * The options of the relying party: its configuration ({@link RelyingPartyOptions}),
 * and those of one `begin()` and one `complete()`.
 */

import type { SessionNegotiator } from '../associations/negotiation.js';
import type { DiscoveryCache } from '../discovery/cache.js';
import type { Fetcher, FetchOptions } from '../discovery/fetcher.js';
import type { Extension } from '../extensions/extension.js';
import type { OpenIDStore } from '../stores/store.js';
import type { AssociationQueueLike } from './association-manager.js';
import type { FixedProviderOptions } from './fixed-provider.js';
import type { StateSession } from './state.js';

/** Options of {@link RelyingParty}: the whole configuration. */
export interface RelyingPartyOptions {
  /** The realm (trust root) users are asked to trust, e.g. `https://app.example/`. */
  realm: string;
  /** Where providers send users back; must be within the realm. */
  returnTo: string;
  /** Shared store for associations and nonces; null or omitted: stateless mode. */
  store?: OpenIDStore | null;
  /** `'inline'` (default with a store), `'background'` (needs `queue`), or `'none'`. */
  associations?: 'inline' | 'background' | 'none';
  /** Queue of endpoints needing an association, for `'background'`. */
  queue?: AssociationQueueLike;
  /** Key (≥ 32 bytes) that authenticates the state token. */
  secret: Uint8Array | string;
  /** Limits and SSRF guard of the default fetcher. */
  fetch?: FetchOptions;
  /** A fetcher to use instead of the default one. */
  fetcher?: Fetcher;
  /** Shared discovery cache; default a private one (10 min, 1,000 entries). */
  discoveryCache?: DiscoveryCache;
  /** Allowed association pairs, in order. */
  negotiator?: SessionNegotiator;
  /** Clock in Unix seconds (tests). */
  now?: () => number;
  /** Nonce skew window in seconds; default 5 hours. */
  nonceSkewSeconds?: number;
  /** Oldest state accepted by complete(), in seconds; default 1 hour. */
  stateMaxAgeSeconds?: number;
  /** Accept provider-initiated assertions with no state. Default false. */
  allowUnsolicited?: boolean;
  /** If set, only these OP endpoints may vouch for users (e.g. Steam's). */
  allowedProviders?: readonly string[];
  /** XRI proxy resolver for XRI identifiers. */
  xriProxy?: string;
  /**
   * Discover user-supplied identifiers even though the fetcher cannot pin DNS
   * (Cloudflare Workers, Vercel Edge): its guard then sees host names, not
   * the addresses they resolve to, so a name pointing inside your network
   * gets through. Without it (and without `allowedProviders` or
   * `fixedProvider`) such discovery is refused with `discovery_refused`.
   * See SECURITY.md.
   */
  allowDiscoveryWithoutDnsPinning?: boolean;
  /**
   * Bind this relying party to one provider (e.g. Steam): fixed endpoint,
   * exact claimed-id pattern, claimed ids taken from that provider without
   * discovery, exact field list, check_authentication origin. See
   * {@link FixedProviderOptions}; `begin()` then needs no user input.
   */
  fixedProvider?: FixedProviderOptions;
  /**
   * How long `begin()` may spend passing over discovered services that look
   * down before it gives up with `provider_unreachable`. Default 20 000 ms.
   */
  beginDeadlineMs?: number;
  /**
   * Where the login state travels: `'caller'` (default) — the app keeps
   * `auth.state` in a cookie or session — or `'returnTo'`: in return_to
   * itself, for sites with neither cookies nor sessions (ruby-openid 1.x
   * style). Needs a store (a state is used once). Each begin() then needs a
   * `bindTo` unless `requireStateBinding` is false. What this gives up
   * compared with a cookie: docs/migrate-from-ruby-openid.md.
   */
  stateIn?: 'caller' | 'returnTo';
  /**
   * With `stateIn: 'returnTo'`: refuse a begin() without `bindTo` (default
   * true). False accepts unbound logins: then nothing ties the response to
   * the browser that started the login (login CSRF, security case SE-01).
   */
  requireStateBinding?: boolean;
}

/** Options of {@link RelyingParty.begin}. */
export interface BeginOptions {
  /** checkid_immediate: no user interaction at the provider. */
  immediate?: boolean;
  /** OpenID 2.0 only: ask for no identifier at all (extension-only requests). */
  anonymous?: boolean;
  /** Extension requests to add (SReg, AX, PAPE, …). */
  extensions?: readonly Extension[];
  /** Override the return_to of this login. */
  returnTo?: string;
  /** Override the realm of this login. */
  realm?: string;
  /**
   * Keep the state server-side in this session (the user's, e.g. express-session's
   * `req.session` wrapped as a {@link StateSession}) under `openid2.state`, as
   * python-openid does; give the same session to complete(). `auth.state` is
   * still returned, for apps that want both.
   */
  session?: StateSession;
  /** This begin's deadline for passing over services that look down (default the `beginDeadlineMs` option). */
  deadlineMs?: number;
  /**
   * Bind this login to a value the same user presents again at complete()
   * (`CompleteOptions.bindTo`): the session id a cookie-less site carries in
   * its URLs, the client address, … Kept in the state as a keyed digest.
   */
  bindTo?: string;
}

/** Options of {@link RelyingParty.complete}. */
export interface CompleteOptions {
  /** The state token begin() returned (from your cookie or session). */
  state?: string | null | undefined;
  /** The POSTed form body, when the provider answered with a form POST. */
  body?: string | URLSearchParams | Record<string, unknown> | null | undefined;
  /**
   * The session begin() kept the state in: read when `state` is not given,
   * and cleared whatever the outcome, so a state is used once.
   */
  session?: StateSession | undefined;
  /** The value begin() was given as `bindTo`, presented again by the same user. */
  bindTo?: string | undefined;
}

/** The key of the state token in a {@link StateSession}. */
export const STATE_SESSION_KEY = 'openid2.state';
