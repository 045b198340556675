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
 * @example
 * const steam = steamLogin({ realm: 'https://app.example/', returnTo: 'https://app.example/auth/steam/return' });
 * const auth = await steam.begin();          // redirect to auth.redirectUrl, keep auth.state
 * const result = await steam.complete(url, { state });
 * if (result.status === 'success') console.log(steamIdOf(result));
 */
import { randomBytes } from 'node:crypto';
import type { ServiceEndpoint } from '../discovery/endpoints.js';
import { createFetcher, type Fetcher, type FetchOptions } from '../discovery/fetcher.js';
import {
  IDENTIFIER_SELECT,
  OPENID2_NS,
  TYPE_CLAIMED_IDENTIFIER,
  TYPE_OP_IDENTIFIER,
} from '../protocol/constants.js';
import { OpenIDError } from '../protocol/errors.js';
import type { AuthRequest } from '../rp/auth-request.js';
import type { CompleteFailureCode } from '../rp/failure-codes.js';
import {
  type BeginOptions,
  type CompleteOptions,
  RelyingParty,
  type RelyingPartyOptions,
} from '../rp/relying-party.js';
import type { CompleteResult, FailureResult, SuccessResult } from '../rp/result.js';
import { MemoryStore } from '../stores/memory.js';
import type { OpenIDStore } from '../stores/store.js';

/** Steam's OP identifier (what users would type). */
export const STEAM_OP_IDENTIFIER = 'https://steamcommunity.com/openid';
/** Steam's OP endpoint. */
export const STEAM_OP_ENDPOINT = 'https://steamcommunity.com/openid/login';
/** Prefix of every Steam claimed identifier; the SteamID64 follows. */
export const STEAM_CLAIMED_ID_PREFIX = 'https://steamcommunity.com/openid/id/';

/** Options of {@link steamLogin}. */
export interface SteamLoginOptions {
  /** Your site's realm, e.g. `https://app.example/`. */
  realm: string;
  /** Your return route, within the realm. */
  returnTo: string;
  /** Where used response nonces are kept (replay protection). Default a MemoryStore: pass a shared store when you run more than one process. */
  store?: OpenIDStore;
  /** Key (≥ 32 bytes) authenticating the login state. Default random per process: pass one when you run more than one process. */
  secret?: Uint8Array | string;
  /** Fetcher limits (e.g. `allowPrivateNetworks` for a local test provider). */
  fetch?: FetchOptions;
  /** A fetcher to use instead of the default. */
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
const ALLOWED_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  id_res: new Set([
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
  ]),
  cancel: new Set(['ns', 'mode']),
  error: new Set(['ns', 'mode', 'error', 'error_code', 'contact', 'reference']),
};

const fail = (code: CompleteFailureCode, message: string): FailureResult => ({
  status: 'failure',
  code,
  message,
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * A {@link RelyingParty} that only talks to Steam. Create it with
 * {@link steamLogin}. Every adapter (Web, Express, Fastify, Passport)
 * accepts it where it accepts a RelyingParty; its login needs no user input.
 */
export class SteamRelyingParty extends RelyingParty {
  /** The login needs no user input: adapters skip the identifier field. */
  readonly needsUserInput = false as const;
  /** The exact OP endpoint accepted. */
  readonly opEndpoint: string;
  readonly #claimedIdPattern: RegExp;
  readonly #claimedIdPrefix: string;

  /** @internal Use {@link steamLogin}. */
  constructor(options: RelyingPartyOptions, opEndpoint: string, claimedIdPrefix: string) {
    super(options);
    this.opEndpoint = opEndpoint;
    this.#claimedIdPrefix = claimedIdPrefix;
    this.#claimedIdPattern = new RegExp(`^${escapeRegExp(claimedIdPrefix)}(\\d{17})$`);
  }

  /** The SteamID64 of a claimed identifier, or null when it is not exactly a Steam claimed id. */
  steamIdFromClaimedId(claimedId: string): string | null {
    return this.#claimedIdPattern.exec(claimedId)?.[1] ?? null;
  }

  /** Send the user to Steam (identifier_select). `userInput` is ignored: the provider is fixed. */
  override async begin(_userInput = '', options: BeginOptions = {}): Promise<AuthRequest> {
    const endpoint: ServiceEndpoint = {
      version: '2.0',
      opEndpoint: this.opEndpoint,
      claimedId: null,
      localId: null,
      types: [TYPE_OP_IDENTIFIER],
      isOpIdentifier: true,
      source: 'xrds',
    };
    return this.beginWithEndpoint(endpoint, { ...options, anonymous: false });
  }

  /**
   * Verify Steam's answer. The fields are screened first (exact set, each
   * once, no control characters, Steam's op_endpoint, a Steam claimed id),
   * then every check of `RelyingParty.complete()` runs, and the verified
   * claimed id is matched again.
   */
  override async complete(currentUrl: string, options: CompleteOptions = {}): Promise<CompleteResult> {
    const screen = this.#screen(currentUrl, options.body);
    if (screen) return screen;
    const result = await super.complete(currentUrl, options);
    if (result.status !== 'success') return result;
    // Defence in depth: the verified values must still be Steam's.
    if (result.endpoint.opEndpoint !== this.opEndpoint)
      return fail('untrusted_op', 'the assertion was not verified by Steam');
    if (result.claimedId === null || this.steamIdFromClaimedId(result.claimedId) === null)
      return fail('untrusted_claimed_id', 'the verified claimed id is not a Steam identifier');
    return result;
  }

  /**
   * Steam is authoritative for its own claimed identifiers: for a claimed id
   * of exactly Steam's form the discovered endpoint is Steam's, without
   * fetching anything; anything else discovers nothing (so it cannot verify).
   */
  override async discoverClaimedId(claimedId: string): Promise<readonly ServiceEndpoint[]> {
    if (this.steamIdFromClaimedId(claimedId) === null) return [];
    return [
      {
        version: '2.0',
        opEndpoint: this.opEndpoint,
        claimedId,
        localId: claimedId,
        types: [TYPE_CLAIMED_IDENTIFIER],
        isOpIdentifier: false,
        source: 'xrds',
      },
    ];
  }

  /** Field screening before any verification (fails closed). Null when the fields look like Steam's. */
  #screen(currentUrl: string, body: CompleteOptions['body']): FailureResult | null {
    let entries: [string, unknown][];
    try {
      if (body === undefined || body === null) entries = [...new URL(currentUrl).searchParams.entries()];
      else if (typeof body === 'string') entries = [...new URLSearchParams(body).entries()];
      else if (body instanceof URLSearchParams) entries = [...body.entries()];
      else entries = Object.entries(body);
    } catch {
      return fail('malformed_message', 'the current URL is not an absolute URL');
    }
    const seen = new Map<string, string>();
    for (const [key, value] of entries) {
      // NUL, control characters and spaces have no place in any name or value Steam sends (NS-10, UR-06).
      if (/[\x00-\x20\x7f]/.test(key))
        return fail('malformed_message', 'a parameter name has a control character');
      if (!key.startsWith('openid.')) continue;
      if (typeof value !== 'string') return fail('malformed_message', `${key} is not a single value`);
      if (/[\x00-\x1f\x7f]/.test(value)) return fail('malformed_message', `${key} has a control character`);
      if (seen.has(key)) return fail('malformed_message', `${key} appears twice`);
      seen.set(key, value);
    }
    const mode = seen.get('openid.mode');
    const allowed = mode === undefined ? undefined : ALLOWED_FIELDS[mode];
    if (!allowed) return fail('malformed_message', 'not an answer Steam sends (openid.mode)');
    for (const key of seen.keys()) {
      if (!allowed.has(key.slice('openid.'.length)))
        return fail('unexpected_field', `${key} is not a field Steam sends`);
    }
    if (seen.get('openid.ns') !== OPENID2_NS)
      return fail('ns_mismatch', 'the answer is not OpenID 2.0 (openid.ns missing or altered)');
    if (mode !== 'id_res') return null;
    if (seen.get('openid.op_endpoint') !== this.opEndpoint)
      return fail('untrusted_op', 'op_endpoint is not exactly Steam’s');
    const claimed = seen.get('openid.claimed_id');
    if (claimed === undefined || this.steamIdFromClaimedId(claimed) === null)
      return fail(
        'untrusted_claimed_id',
        `claimed_id is not of the form ${this.#claimedIdPrefix}<17 digits>`,
      );
    if (seen.get('openid.identity') !== claimed)
      return fail('untrusted_claimed_id', 'identity differs from claimed_id');
    if (claimed === IDENTIFIER_SELECT)
      return fail('discovery_mismatch', 'the provider did not choose an identifier');
    return null;
  }
}

/** Wrap a fetcher so check_authentication POSTs to Steam carry `Origin` and `Referer`. */
function withSteamOrigin(fetcher: Fetcher, opEndpoint: string, origin: string): Fetcher {
  return (url, init) => {
    if (url !== opEndpoint || init?.method !== 'POST') return fetcher(url, init);
    return fetcher(url, { ...init, headers: { ...init.headers, origin, referer: `${origin}/` } });
  };
}

/**
 * A relying party for "Sign in through Steam". Stateless towards Steam
 * (no associations: Steam refuses them), but keeps a nonce store so an
 * assertion is accepted once.
 *
 * @see OpenID 2.0 §9.1 (identifier_select), §11 (verification); ../shared/security-cases.md IS-07, AP-01..03, NS-01, NS-10
 */
export function steamLogin(options: SteamLoginOptions): SteamRelyingParty {
  const opEndpoint = options.opEndpoint ?? STEAM_OP_ENDPOINT;
  const prefix = options.claimedIdPrefix ?? STEAM_CLAIMED_ID_PREFIX;
  let origin: string;
  try {
    origin = options.checkAuthOrigin ?? new URL(prefix).origin;
    new URL(opEndpoint);
  } catch (cause) {
    throw new OpenIDError('invalid_option', 'opEndpoint and claimedIdPrefix must be absolute URLs', {
      cause,
    });
  }
  const base = options.fetcher ?? createFetcher(options.fetch ?? {});
  return new SteamRelyingParty(
    {
      realm: options.realm,
      returnTo: options.returnTo,
      store: options.store ?? new MemoryStore(),
      associations: 'none',
      secret: options.secret ?? randomBytes(32),
      fetcher: withSteamOrigin(base, opEndpoint, origin),
      allowedProviders: [opEndpoint],
      ...(options.now === undefined ? {} : { now: options.now }),
    },
    opEndpoint,
    prefix,
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
    : (new RegExp(`^${escapeRegExp(STEAM_CLAIMED_ID_PREFIX)}(\\d{17})$`).exec(claimed)?.[1] ?? null);
  if (id === null) throw new OpenIDError('untrusted_claimed_id', 'not a Steam claimed identifier');
  return id;
}
