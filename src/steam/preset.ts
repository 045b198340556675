/**
 * "Sign in through Steam": a relying party preset for Steam's OpenID 2.0
 * provider. It sends users to Steam with identifier_select and accepts only
 * an assertion that
 *
 * - carries exactly the fields Steam sends, each once, with no NUL or control
 *   character anywhere (parameter pollution: security cases AP-03, NS-10, NS-11);
 * - names Steam's op_endpoint, compared as an exact string (AP-02);
 * - has claimed_id = identity matching `^https://steamcommunity\.com/openid/id/(\d{17})$`
 *   (anchored, ASCII only: IS-07, UR-01, UR-03, UR-06);
 * - passes every check of `RelyingParty.complete()`: OpenID 2.0 namespace
 *   (NS-01), return_to, nonce window, and the signature confirmed by Steam
 *   with check_authentication (Steam refuses associations);
 * - has a response nonce never seen before (the store keeps them: Steam does not).
 *
 * The SteamID64 is read from the verified claimed id only (AP-01).
 *
 * These rules are the relying party's `fixedProvider` option (one §11
 * pipeline, no step replaced); this module fills it in for Steam and adds
 * the Web API profile (`steam.profile(steamId)`, with `apiKey`).
 *
 * @example
 * const steam = steamLogin({ realm: 'https://app.example/', returnTo: 'https://app.example/auth/steam/return', store, secret, apiKey });
 * const auth = await steam.begin();          // redirect to auth.redirectUrl, keep auth.state
 * const result = await steam.complete(url, { state });
 * if (result.status === 'success') console.log((await steam.profile(steamIdOf(result))).displayName);
 */
import type { Fetcher, FetchOptions } from '../discovery/fetcher.js';
import { OpenIDError } from '../protocol/errors.js';
import type { FixedProviderOptions } from '../rp/fixed-provider.js';
import { sharedStateOrDefaults } from '../rp/per-process-defaults.js';
import { RelyingParty, type RelyingPartyOptions } from '../rp/relying-party.js';
import type { SuccessResult } from '../rp/result.js';
import type { OpenIDStore } from '../stores/store.js';
import {
  type SteamProfile,
  SteamProfileError,
  type SteamProfileFetcher,
  steamProfileFetcher,
} from './web-api.js';

/** Steam's OP identifier (what users would type). */
export const STEAM_OP_IDENTIFIER = 'https://steamcommunity.com/openid';
/** Steam's OP endpoint. */
export const STEAM_OP_ENDPOINT = 'https://steamcommunity.com/openid/login';
/** Prefix of every Steam claimed identifier; the SteamID64 follows. */
export const STEAM_CLAIMED_ID_PREFIX = 'https://steamcommunity.com/openid/id/';

/** Options of {@link steamLogin}. `returnURL`, `realm`, `apiKey` are passport-steam's names. */
export interface SteamLoginOptions {
  /** Your site's realm, e.g. `https://app.example/`. Default the origin of the return URL, with `/`. */
  realm?: string;
  /** Your return route, within the realm. Either this or `returnURL`. */
  returnTo?: string;
  /** passport-steam's name for `returnTo`. */
  returnURL?: string;
  /**
   * Where used response nonces are kept (replay protection): a shared store when you run more
   * than one process. Missing: an error when NODE_ENV=production, else a MemoryStore and a warning.
   */
  store?: OpenIDStore;
  /** Key (≥ 32 bytes) authenticating the login state, the same in every process. Missing: as `store`. */
  secret?: Uint8Array | string;
  /** Steam Web API key: enables {@link SteamRelyingParty.profile}. Never logged nor put into an error. */
  apiKey?: string;
  /** Base URL of the Steam Web API. Change it only to test against a local server. */
  apiUrl?: string;
  /** Keep fetched profiles this many seconds (default 0: no cache). */
  profileCacheSeconds?: number;
  /** Fetcher limits (e.g. `allowPrivateNetworks` for a local test provider); also used for the Web API. */
  fetch?: FetchOptions;
  /** A fetcher to use instead of the default (for the OpenID exchanges only). */
  fetcher?: Fetcher;
  /** Steam's OP endpoint. Change it only to test against a local provider shaped like Steam. */
  opEndpoint?: string;
  /** Prefix of claimed identifiers. Change it only to test against a local provider. */
  claimedIdPrefix?: string;
  /**
   * `Origin` and `Referer` sent with check_authentication. Default the
   * origin of `claimedIdPrefix` (`https://steamcommunity.com`): Steam
   * answered 403 without them in February 2025.
   */
  checkAuthOrigin?: string;
  /** Clock in Unix seconds (tests). */
  now?: () => number;
}

/** The `openid.*` fields a Steam answer may carry, by mode. Anything else fails the login. */
export const STEAM_FIELDS: Readonly<Record<string, readonly string[]>> = {
  id_res: [
    'ns',
    'mode',
    'op_endpoint',
    'claimed_id',
    'identity',
    'return_to',
    'response_nonce',
    'assoc_handle',
    'signed',
    'sig',
    'invalidate_handle',
  ],
  cancel: ['ns', 'mode'],
  error: ['ns', 'mode', 'error', 'error_code', 'contact', 'reference'],
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** The anchored claimed-id pattern for a prefix: the prefix, then exactly 17 ASCII digits. */
function claimedIdPatternOf(prefix: string): RegExp {
  return new RegExp(`^${escapeRegExp(prefix)}(\\d{17})$`);
}

/** The `fixedProvider` option for Steam (or a local provider shaped like it). */
export function steamFixedProvider(
  options: Pick<SteamLoginOptions, 'opEndpoint' | 'claimedIdPrefix' | 'checkAuthOrigin'> = {},
): FixedProviderOptions {
  const prefix = options.claimedIdPrefix ?? STEAM_CLAIMED_ID_PREFIX;
  let origin: string;
  try {
    origin = options.checkAuthOrigin ?? new URL(prefix).origin;
  } catch (cause) {
    throw new OpenIDError('invalid_option', 'claimedIdPrefix must be an absolute URL', { cause });
  }
  return {
    opEndpoint: options.opEndpoint ?? STEAM_OP_ENDPOINT,
    claimedIdPattern: claimedIdPatternOf(prefix),
    claimedIdsWithoutDiscovery: true,
    exactFields: STEAM_FIELDS,
    checkAuthOrigin: origin,
  };
}

/**
 * A {@link RelyingParty} bound to Steam by its `fixedProvider` option,
 * made by {@link steamLogin}. It replaces no step of the relying party: it
 * only adds Steam's vocabulary (SteamID64, Web API profile). Every adapter
 * accepts it where it accepts a RelyingParty; its login needs no user input.
 */
export class SteamRelyingParty extends RelyingParty {
  /** The exact OP endpoint accepted. */
  readonly opEndpoint: string;
  readonly #profile: SteamProfileFetcher | null;

  /** @internal Use {@link steamLogin}. */
  constructor(
    options: RelyingPartyOptions & { fixedProvider: FixedProviderOptions },
    profile: SteamProfileFetcher | null,
  ) {
    super(options);
    this.opEndpoint = options.fixedProvider.opEndpoint;
    this.#profile = profile;
  }

  /** Whether an `apiKey` was given (so {@link profile} can fetch). */
  get hasApiKey(): boolean {
    return this.#profile !== null;
  }

  /** The SteamID64 of a claimed identifier, or null when it is not exactly a Steam claimed id. */
  steamIdFromClaimedId(claimedId: string): string | null {
    return this.fixedProviderUserId(claimedId);
  }

  /**
   * The player's profile from the Steam Web API (GetPlayerSummaries v2),
   * shaped like passport-steam's. Give it the SteamID64 of a verified login
   * ({@link steamIdOf}). Throws {@link SteamProfileError} with a code
   * (`steam_api_key_missing` without an `apiKey`); never the key.
   */
  async profile(steamId: string): Promise<SteamProfile> {
    if (this.#profile === null)
      throw new SteamProfileError('steam_api_key_missing', 'steamLogin() was given no apiKey');
    return this.#profile(steamId);
  }
}

/**
 * A relying party for "Sign in through Steam". Stateless towards Steam
 * (no associations: Steam refuses them), but keeps a nonce store so an
 * assertion is accepted once.
 *
 * @see OpenID 2.0 §9.1 (identifier_select), §11 (verification); ../docs/security-cases.md IS-07, AP-01..03, NS-01, NS-10
 */
export function steamLogin(options: SteamLoginOptions): SteamRelyingParty {
  if (
    options.returnTo !== undefined &&
    options.returnURL !== undefined &&
    options.returnTo !== options.returnURL
  )
    throw new OpenIDError('invalid_option', 'returnTo and returnURL are the same option: give one');
  const returnTo = options.returnTo ?? options.returnURL;
  if (returnTo === undefined)
    throw new OpenIDError('invalid_option', 'steamLogin() needs returnURL (or returnTo)');
  let realm: string;
  try {
    realm = options.realm ?? `${new URL(returnTo).origin}/`;
  } catch (cause) {
    throw new OpenIDError('invalid_option', 'returnURL must be an absolute URL', { cause });
  }
  const { store, secret } = sharedStateOrDefaults('steamLogin()', options);
  const profile =
    options.apiKey === undefined
      ? null
      : steamProfileFetcher({
          apiKey: options.apiKey,
          ...(options.apiUrl === undefined ? {} : { apiUrl: options.apiUrl }),
          ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
          ...(options.profileCacheSeconds === undefined ? {} : { cacheSeconds: options.profileCacheSeconds }),
        });
  return new SteamRelyingParty(
    {
      realm,
      returnTo,
      store,
      associations: 'none',
      secret,
      ...(options.fetcher === undefined ? {} : { fetcher: options.fetcher }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      fixedProvider: steamFixedProvider(options),
      ...(options.now === undefined ? {} : { now: options.now }),
    },
    profile,
  );
}

/**
 * The SteamID64 of a verified Steam login (only a `SuccessResult` from
 * `SteamRelyingParty.complete()` reaches here, so the id is verified).
 * Throws `OpenIDError('untrusted_claimed_id')` for any other success.
 */
export function steamIdOf(result: SuccessResult, steam?: SteamRelyingParty): string {
  const claimed = result.claimedId ?? '';
  const id = steam
    ? steam.steamIdFromClaimedId(claimed)
    : (claimedIdPatternOf(STEAM_CLAIMED_ID_PREFIX).exec(claimed)?.[1] ?? null);
  if (id === null) throw new OpenIDError('untrusted_claimed_id', 'not a Steam claimed identifier');
  return id;
}
