/**
 * A Passport strategy that is a drop-in for `passport-steam`, built on
 * {@link OpenIDStrategy} and the Steam preset (docs/migrate-from-passport-steam.md).
 */

import type { FetchOptions } from '../discovery/fetcher.js';
import { sharedStateOrDefaults } from '../rp/per-process-defaults.js';
import type { SuccessResult } from '../rp/result.js';
import { type SteamRelyingParty, steamIdOf, steamLogin } from '../steam/preset.js';
import type { SteamProfile } from '../steam/web-api.js';
import type { OpenIDStore } from '../stores/store.js';
import type { ExpressLikeRequest } from './express-like.js';
import { OpenIDStrategy, type OpenIDVerify, type VerifyDone } from './passport-openid.js';
import type { StateCookieOptions } from './state-cookie.js';

/** The profile a {@link SteamStrategy} hands to verify without `apiKey` (or with `profile: false`). */
export interface SteamIdProfile {
  /** Always `'steam'`. */
  provider: 'steam';
  /** The SteamID64. */
  id: string;
}

/** Options of {@link SteamStrategy}: passport-steam's names, plus openid2's shared `store` and `secret`. */
export interface SteamStrategyOptions {
  /** return_to: your return route (e.g. `https://app.example/auth/steam/return`). */
  returnURL: string;
  /** The realm; default the origin of returnURL with a trailing slash. */
  realm?: string;
  /** Steam Web API key: verify gets the player's profile (GetPlayerSummaries). Never logged nor put into an error. */
  apiKey?: string;
  /** Fetch the Web API profile (default true, as in passport-steam; needs `apiKey`). */
  profile?: boolean;
  /** Pass the request as the first argument of verify. */
  passReqToCallback?: boolean;
  /** Nonce store shared by every process (replay protection). Missing: error in production, else a MemoryStore and a warning. */
  store?: OpenIDStore;
  /** Key (≥ 32 bytes) authenticating the login state, the same in every process. Missing: as `store`. */
  secret?: Uint8Array | string;
  /** Accepted for passport-steam compatibility and ignored: the provider is always Steam. */
  providerURL?: string;
  /** Accepted for passport-steam compatibility and ignored: Steam logins are always without association. */
  stateless?: boolean;
  /** Strategy name. Default `steam`. */
  name?: string;
  /** Base URL of the Steam Web API (tests). */
  apiUrl?: string;
  /** Keep fetched profiles this many seconds (default 0: no cache). */
  profileCacheSeconds?: number;
  /** Fetcher limits (e.g. `allowPrivateNetworks` for a local test provider). */
  fetch?: FetchOptions;
  /** Steam's OP endpoint; change it only to test against a local provider. */
  opEndpoint?: string;
  /** Prefix of Steam claimed ids; change it only to test against a local provider. */
  claimedIdPrefix?: string;
  /** Origin sent with check_authentication (default Steam's). */
  checkAuthOrigin?: string;
  /** A `steamLogin()` relying party to use instead of building one (then the options above it are ignored). */
  relyingParty?: SteamRelyingParty;
  /** How the app is reached, to rebuild the current URL (behind a proxy). */
  baseUrl?: string;
  /** State cookie settings (used when the request has no `req.session`). */
  stateCookie?: StateCookieOptions;
}

/** passport-steam's verify callbacks. */
export type SteamVerify<Req extends ExpressLikeRequest = ExpressLikeRequest> =
  | ((identifier: string, profile: SteamProfile | SteamIdProfile, done: VerifyDone) => void)
  | ((req: Req, identifier: string, profile: SteamProfile | SteamIdProfile, done: VerifyDone) => void);

/**
 * A drop-in for passport-steam's `Strategy`, named `'steam'`: the same
 * options and verify, the Web API profile when `apiKey` is given, and
 * openid2's checks behind it (replay protection in a shared `store`,
 * exact fields, Steam's op_endpoint as an exact string). A profile fetch
 * that fails is Passport's `error` (a `SteamProfileError` with a code), as in
 * passport-steam. See docs/migrate-from-passport-steam.md.
 *
 * @example
 * passport.use(new SteamStrategy(
 *   { returnURL: 'https://app.example/auth/steam/return', realm: 'https://app.example/', apiKey, store, secret },
 *   (identifier, profile, done) => done(null, { id: profile.id, name: profile.displayName }),
 * ));
 * app.get('/auth/steam', passport.authenticate('steam'));
 * app.get('/auth/steam/return', passport.authenticate('steam', { failureRedirect: '/login' }), (req, res) => res.redirect('/'));
 */
export class SteamStrategy<Req extends ExpressLikeRequest = ExpressLikeRequest> extends OpenIDStrategy<Req> {
  /** The Steam relying party doing the work. */
  readonly steam: SteamRelyingParty;
  /** Whether verify gets the Web API profile (`profile` not false and an `apiKey`). */
  readonly fetchesProfile: boolean;

  /**
   * One signature per verify shape, so a callback written inline (as with passport-steam)
   * has its parameters typed: a union of function types gives them none.
   */
  constructor(
    options: SteamStrategyOptions & { passReqToCallback: true },
    verify: (req: Req, identifier: string, profile: SteamProfile | SteamIdProfile, done: VerifyDone) => void,
  );
  constructor(
    options: SteamStrategyOptions,
    verify: (identifier: string, profile: SteamProfile | SteamIdProfile, done: VerifyDone) => void,
  );
  constructor(options: SteamStrategyOptions, verify: SteamVerify<Req>);
  constructor(options: SteamStrategyOptions, verify: SteamVerify<Req>) {
    if (typeof verify !== 'function') throw new TypeError('SteamStrategy requires a verify callback');
    const steam =
      options.relyingParty ??
      steamLogin({
        returnURL: options.returnURL,
        ...sharedStateOrDefaults('SteamStrategy', options),
        ...pick(options, [
          'realm',
          'apiKey',
          'apiUrl',
          'profileCacheSeconds',
          'fetch',
          'opEndpoint',
          'claimedIdPrefix',
          'checkAuthOrigin',
        ]),
      });
    super(
      {
        relyingParty: steam,
        name: options.name ?? 'steam',
        ...pick(options, ['passReqToCallback', 'baseUrl', 'stateCookie']),
      },
      verify as OpenIDVerify,
    );
    this.steam = steam;
    this.fetchesProfile = options.profile !== false && steam.hasApiKey;
  }

  /** passport-steam's profile: from the Web API with `apiKey`, else `{ provider: 'steam', id }`. */
  override async profileFor(result: SuccessResult): Promise<SteamProfile | SteamIdProfile> {
    const id = steamIdOf(result, this.steam);
    if (this.fetchesProfile) return this.steam.profile(id);
    return { provider: 'steam', id };
  }
}

/** The defined options among `keys` (exactOptionalPropertyTypes: no key set to undefined). */
function pick<T extends object, K extends keyof T>(options: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (options[k] !== undefined) out[k] = options[k];
  return out;
}
