/**
 * The Steam Web API call a "Sign in through Steam" site makes after the
 * login: `ISteamUser/GetPlayerSummaries/v2` for the verified SteamID64,
 * turned into a profile shaped like passport-steam's.
 *
 * Through openid2's guarded fetcher (SSRF guard, deadline, size cap), with no
 * redirect followed (a redirect would carry the request off Steam's API host),
 * the answer checked as JSON of the documented shape, every failure a
 * {@link SteamProfileError} with a {@link SteamProfileErrorCode}. The API key
 * rides in the query string (as Steam documents), so it is never put into an
 * error message, a `cause` or a log line: errors name the API host only.
 *
 * @example
 * const profileOf = steamProfileFetcher({ apiKey: process.env.STEAM_API_KEY });
 * const profile = await profileOf('76561197960435530');
 * profile.displayName; profile.photos[2].value; // full-size avatar
 * @see https://developer.valvesoftware.com/wiki/Steam_Web_API#GetPlayerSummaries_.28v0002.29
 */
import { createDefaultFetcher } from '../discovery/default-fetcher.js';
import type { Fetcher, FetchOptions } from '../discovery/fetcher.js';
import { FetchError, OpenIDError } from '../protocol/errors.js';

/** Steam's Web API base URL. */
export const STEAM_API_URL = 'https://api.steampowered.com/';

/** Why a profile could not be had. */
export type SteamProfileErrorCode =
  /** No `apiKey` was configured. */
  | 'steam_api_key_missing'
  /** The SteamID64 is not 17 digits. */
  | 'steam_id_invalid'
  /** Steam answered 401 or 403: the key is wrong or revoked. */
  | 'steam_api_bad_key'
  /** Steam answered 429: too many calls with this key. */
  | 'steam_api_rate_limited'
  /** Steam answered another non-200 status. */
  | 'steam_api_error'
  /** The answer is not `application/json` (e.g. an HTML error page). */
  | 'steam_api_not_json'
  /** JSON, but not of GetPlayerSummaries' shape (or a URL in it is not http(s)). */
  | 'steam_api_malformed'
  /** The answer lists no player with this SteamID64. */
  | 'steam_player_not_found'
  /** Steam answered with a redirect; none is followed. */
  | 'steam_api_redirect'
  /** No answer within the deadline. */
  | 'steam_api_timeout'
  /** The answer is larger than the size cap. */
  | 'steam_api_too_large'
  /** The API host could not be reached (or the guard refused it). */
  | 'steam_api_unreachable';

/** A failed profile fetch. Its message and properties never contain the API key. */
export class SteamProfileError extends OpenIDError {
  declare readonly code: SteamProfileErrorCode;
  /** The HTTP status, when Steam answered. */
  readonly status: number | null;

  constructor(code: SteamProfileErrorCode, message: string, status: number | null = null) {
    super(code, message);
    this.status = status;
  }
}

/** One player of GetPlayerSummaries v2, as Steam sends it (the fields openid2 relies on are checked). */
export interface SteamPlayerSummary {
  /** SteamID64. */
  steamid: string;
  /** Display name. */
  personaname: string;
  /** Community profile URL. */
  profileurl: string;
  /** 32×32 avatar URL. */
  avatar: string;
  /** 64×64 avatar URL. */
  avatarmedium: string;
  /** 184×184 avatar URL. */
  avatarfull: string;
  /** Every other field Steam sends (communityvisibilitystate, realname, loccountrycode, …), unchecked. */
  [field: string]: unknown;
}

/** One avatar of a {@link SteamProfile}, as Passport profiles write photos. */
export interface SteamPhoto {
  /** The image URL (http or https). */
  value: string;
}

/** passport-steam's profile, plus `profileUrl`. */
export interface SteamProfile {
  /** Always `'steam'`. */
  provider: 'steam';
  /** The SteamID64. */
  id: string;
  /** `personaname`. */
  displayName: string;
  /** `profileurl`. */
  profileUrl: string;
  /** Avatars small (32px), medium (64px), full (184px), in that order, as passport-steam gives them. */
  photos: [SteamPhoto, SteamPhoto, SteamPhoto];
  /** The player object as Steam sent it. */
  _json: SteamPlayerSummary;
}

/** Options of {@link steamProfileFetcher}. */
export interface SteamWebApiOptions {
  /** The Steam Web API key (https://steamcommunity.com/dev/apikey). */
  apiKey: string;
  /** Base URL of the Web API. Default {@link STEAM_API_URL}; point it at a local server in tests. */
  apiUrl?: string;
  /** Limits of the default fetcher (redirects are never followed). Defaults: 5 s, 64 KiB. */
  fetch?: FetchOptions;
  /** A fetcher to use instead (its final URL must still be on the API host). */
  fetcher?: Fetcher;
  /** Keep each profile this many seconds (0, the default: no cache). At most 1,000 profiles are kept. */
  cacheSeconds?: number;
  /** Clock in milliseconds (tests of the cache). */
  nowMs?: () => number;
}

/** Fetches the profile of a SteamID64. */
export type SteamProfileFetcher = (steamId: string) => Promise<SteamProfile>;

const STEAM_ID = /^\d{17}$/;
const CACHE_MAX = 1000;

const fail = (code: SteamProfileErrorCode, message: string, status: number | null = null): never => {
  throw new SteamProfileError(code, message, status);
};

/** A FetchError turned into a profile error that names only the API host (the URL carries the key). */
function fromFetchError(err: unknown, host: string): never {
  const code = err instanceof FetchError ? err.code : 'fetch_failed';
  if (code === 'fetch_timeout')
    fail('steam_api_timeout', `the Steam Web API at ${host} did not answer in time`);
  if (code === 'fetch_too_large')
    fail('steam_api_too_large', `the Steam Web API at ${host} sent too large an answer`);
  if (code === 'too_many_redirects')
    fail('steam_api_redirect', `the Steam Web API at ${host} answered with a redirect (not followed)`);
  return fail('steam_api_unreachable', `the Steam Web API at ${host} could not be reached (${code})`);
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * The player with `steamId` in a GetPlayerSummaries body, checked: the
 * documented envelope, a SteamID64, a name, http(s) URLs (they end up in
 * `<img src>` and links).
 */
export function parsePlayerSummaries(body: unknown, steamId: string): SteamPlayerSummary {
  const players = (body as { response?: { players?: unknown } } | null)?.response?.players;
  if (typeof body !== 'object' || body === null || !Array.isArray(players))
    fail('steam_api_malformed', 'the answer is not GetPlayerSummaries’ { response: { players: [] } }');
  const player = (players as unknown[]).find(
    (p): p is Record<string, unknown> =>
      typeof p === 'object' && p !== null && (p as { steamid?: unknown }).steamid === steamId,
  );
  if (!player) return fail('steam_player_not_found', `Steam lists no player ${steamId}`);
  if (typeof player.personaname !== 'string') fail('steam_api_malformed', 'the player has no personaname');
  for (const field of ['profileurl', 'avatar', 'avatarmedium', 'avatarfull'] as const) {
    if (!isHttpUrl(player[field])) fail('steam_api_malformed', `the player's ${field} is not an http(s) URL`);
  }
  return player as SteamPlayerSummary;
}

/** passport-steam's profile of a checked player. */
export function profileOfPlayer(player: SteamPlayerSummary): SteamProfile {
  return {
    provider: 'steam',
    id: player.steamid,
    displayName: player.personaname,
    profileUrl: player.profileurl,
    photos: [{ value: player.avatar }, { value: player.avatarmedium }, { value: player.avatarfull }],
    _json: player,
  };
}

/**
 * A function fetching Steam profiles with `apiKey`. Throws
 * {@link SteamProfileError} (never the key, never another error) on any failure.
 */
export function steamProfileFetcher(options: SteamWebApiOptions): SteamProfileFetcher {
  // Steam keys are 32 hex digits; anything outside printable ASCII would corrupt the URL or a header.
  if (typeof options.apiKey !== 'string' || !/^[\x21-\x7e]{1,128}$/.test(options.apiKey))
    throw new SteamProfileError(
      'steam_api_key_missing',
      'apiKey must be a Steam Web API key (printable ASCII)',
    );
  const apiKey = options.apiKey;
  let base: URL;
  try {
    base = new URL('ISteamUser/GetPlayerSummaries/v0002/', options.apiUrl ?? STEAM_API_URL);
  } catch {
    throw new OpenIDError('invalid_option', 'apiUrl must be an absolute URL');
  }
  const host = base.host;
  const fetcher =
    options.fetcher ??
    createDefaultFetcher({ timeoutMs: 5000, maxBytes: 64 * 1024, ...options.fetch, maxRedirects: 0 });
  const ttlMs = Math.max(0, options.cacheSeconds ?? 0) * 1000;
  const nowMs = options.nowMs ?? Date.now;
  const cache = new Map<string, { profile: SteamProfile; expires: number }>();

  return async (steamId: string): Promise<SteamProfile> => {
    if (typeof steamId !== 'string' || !STEAM_ID.test(steamId))
      fail('steam_id_invalid', 'a SteamID64 is 17 digits');
    const hit = cache.get(steamId);
    if (hit && hit.expires > nowMs()) return structuredClone(hit.profile);
    if (hit) cache.delete(steamId);

    const url = new URL(base);
    url.searchParams.set('key', apiKey);
    url.searchParams.set('steamids', steamId);
    let res: Awaited<ReturnType<Fetcher>>;
    try {
      res = await fetcher(url.href, { headers: { accept: 'application/json' } });
    } catch (err) {
      fromFetchError(err, host);
    }
    res = res as Awaited<ReturnType<Fetcher>>;
    // A custom fetcher may follow redirects: the answer must still come from the API host.
    let final: URL | null = null;
    try {
      final = new URL(res.url);
    } catch {}
    if (final === null || final.origin !== base.origin)
      fail('steam_api_redirect', `the answer did not come from the Steam Web API at ${host}`);
    if (res.status >= 300 && res.status < 400)
      fail(
        'steam_api_redirect',
        `the Steam Web API at ${host} answered with a redirect (not followed)`,
        res.status,
      );
    if (res.status === 401 || res.status === 403)
      fail('steam_api_bad_key', `the Steam Web API refused the key (HTTP ${res.status})`, res.status);
    if (res.status === 429)
      fail('steam_api_rate_limited', 'the Steam Web API says too many requests (HTTP 429)', 429);
    if (res.status !== 200)
      fail('steam_api_error', `the Steam Web API answered HTTP ${res.status}`, res.status);
    const type = (res.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json')
      fail('steam_api_not_json', `the Steam Web API answered ${type || 'no content type'}, not JSON`, 200);
    let body: unknown;
    try {
      body = JSON.parse(res.text());
    } catch {
      fail('steam_api_malformed', 'the Steam Web API answer is not valid JSON', 200);
    }
    const profile = profileOfPlayer(parsePlayerSummaries(body, steamId));
    if (ttlMs > 0) {
      if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
      cache.set(steamId, { profile: structuredClone(profile), expires: nowMs() + ttlMs });
    }
    return profile;
  };
}
