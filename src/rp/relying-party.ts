/**
 * The relying party: `begin()` sends a user to their provider, `complete()`
 * verifies what comes back with every rule of spec §11.
 *
 * @example
 * const rp = new RelyingParty({ realm: 'https://app.example/', returnTo: 'https://app.example/return',
 *   store: new MemoryStore(), secret });
 * const auth = await rp.begin('alice.example');
 * // redirect to auth.redirectUrl, keep auth.state in a cookie
 * const result = await rp.complete(requestUrl, { state });
 * if (result.status === 'success') login(result.claimedId);
 * @see OpenID 2.0 §9, §11
 */

import { type AssociationPair, SessionNegotiator } from '../associations/negotiation.js';
import { traceStore } from '../diagnostics/index.js';
import { DiscoveryCache } from '../discovery/cache.js';
import { createDefaultFetcher } from '../discovery/default-fetcher.js';
import { discover } from '../discovery/discover.js';
import { endpointLocalId, type ServiceEndpoint } from '../discovery/endpoints.js';
import type { Fetcher, FetchOptions } from '../discovery/fetcher.js';
import { lacksDnsPinning } from '../discovery/web-fetcher.js';
import type { Extension } from '../extensions/extension.js';
import type { Association } from '../protocol/association.js';
import { IDENTIFIER_SELECT } from '../protocol/constants.js';
import { DiscoveryError, OpenIDError } from '../protocol/errors.js';
import { inert } from '../protocol/inert.js';
import { type ArgsInput, Message, OPENID_NS } from '../protocol/message.js';
import { DEFAULT_NONCE_SKEW, makeNonce, splitNonce } from '../protocol/nonce.js';
import { Realm } from '../protocol/realm.js';
import { signedSubset } from '../protocol/signature.js';
import { sameUri, stripFragment } from '../protocol/urinorm.js';
import type { OpenIDStore } from '../stores/store.js';
import { AssociationManager, type AssociationQueueLike } from './association-manager.js';
import { AuthRequest } from './auth-request.js';
import { chooseService, type TriedService } from './begin-fallback.js';
import { verifySignature } from './check-signature.js';
import { type CompleteFailureCode, isCompleteFailureCode } from './failure-codes.js';
import {
  authoritativeEndpoints,
  compileFixedProvider,
  type FixedProvider,
  type FixedProviderOptions,
  fixedLoginEndpoint,
  fixedProviderUserId,
  screenFixedProviderFields,
  withCheckAuthOrigin,
} from './fixed-provider.js';
import type { CompleteResult, FailureResult } from './result.js';
import { SUCCESS_TOKEN, SuccessResult } from './result.js';
import {
  bindingDigest,
  checkStateBinding,
  consumeReturnToState,
  RETURN_TO_STATE_PARAM,
  stateFromReturnTo,
} from './return-to-state.js';
import { RP_NONCE_PARAM, rpNonceOf, sameRpNonce } from './rp-nonce.js';
import { checkSetupNeeded } from './setup-needed.js';
import { decodeState, encodeState, type LoginState, type StateSession } from './state.js';
import { traceBegin, traceComplete } from './trace.js';
import {
  checkDiscoveredEndpoint,
  checkNonceWindow,
  checkOpenID1Identity,
  checkRequiredFields,
  checkReturnTo,
  checkSignedList,
  checkVersion,
} from './verify.js';

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

/**
 * `url` with `name=value` appended to its query. The configured return_to is
 * kept byte for byte (URLSearchParams would re-encode `%20` as `+` and so on):
 * the provider echoes it and the app may compare it as it wrote it.
 */
function withQueryParam(url: string, name: string, value: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const sep = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${sep}${encodeURIComponent(name)}=${encodeURIComponent(value)}${hash === -1 ? '' : url.slice(hash)}`;
}

const FAIL = (code: CompleteFailureCode, message: string, assertedClaimedId?: string): FailureResult =>
  assertedClaimedId === undefined
    ? { status: 'failure', code, message }
    : { status: 'failure', code, message, assertedClaimedId };

/**
 * The relying party: `begin()` discovers the user's provider and builds the
 * request; `complete()` verifies the response with every check of spec §11
 * (return_to, discovered information, nonce, signature) and returns a result
 * whose `status` says what happened. One instance serves every login.
 *
 * @example
 * const rp = new RelyingParty({ realm: 'https://app.example/', returnTo: 'https://app.example/return',
 *   store: new MemoryStore(), secret });
 * const auth = await rp.begin('alice.example');
 * // redirect to auth.redirectUrl, keep auth.state in a cookie
 * const result = await rp.complete(requestUrl, { state });
 * if (result.status === 'success') login(result.claimedId);
 * @see OpenID 2.0 §9 (requests), §11 (verifying assertions)
 */
export class RelyingParty {
  /** The realm from the options (`openid.realm`). */
  readonly realm: string;
  /** The return_to URL from the options. */
  readonly returnTo: string;
  /** The shared store; null in stateless mode. */
  readonly store: OpenIDStore | null;
  readonly #secret: Uint8Array;
  readonly #fetcher: Fetcher;
  readonly #cache: DiscoveryCache;
  readonly #now: () => number;
  readonly #skew: number;
  readonly #stateMaxAge: number;
  readonly #options: RelyingPartyOptions;
  readonly #assoc: AssociationManager;
  readonly #fixed: FixedProvider | null;

  constructor(options: RelyingPartyOptions) {
    const realm = Realm.parse(options.realm);
    if (!realm) throw new OpenIDError('invalid_option', `realm does not parse: ${options.realm}`);
    if (!realm.validateUrl(options.returnTo)) {
      throw new OpenIDError(
        'invalid_option',
        `returnTo ${options.returnTo} is not within realm ${options.realm}`,
      );
    }
    const secret =
      typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    if (!secret || secret.length < 32)
      throw new OpenIDError('invalid_option', 'secret must be at least 32 bytes');
    const mode = options.associations ?? (options.store ? 'inline' : 'none');
    if (options.stateIn === 'returnTo' && !options.store) {
      throw new OpenIDError('invalid_option', "stateIn: 'returnTo' needs a store (a state is used once)");
    }
    if (mode === 'background' && !options.queue) {
      throw new OpenIDError('invalid_option', "associations: 'background' needs a queue");
    }
    this.realm = options.realm;
    this.returnTo = options.returnTo;
    this.store = options.store ?? null;
    this.#secret = secret;
    this.#fixed = options.fixedProvider ? compileFixedProvider(options.fixedProvider) : null;
    const fetcher = options.fetcher ?? createDefaultFetcher(options.fetch ?? {});
    this.#fetcher =
      this.#fixed?.checkAuthOrigin != null
        ? withCheckAuthOrigin(fetcher, this.#fixed.opEndpoint, this.#fixed.checkAuthOrigin)
        : fetcher;
    this.#cache = options.discoveryCache ?? new DiscoveryCache({ ttlMs: 10 * 60_000, maxEntries: 1000 });
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.#skew = options.nonceSkewSeconds ?? DEFAULT_NONCE_SKEW;
    this.#stateMaxAge = options.stateMaxAgeSeconds ?? 3600;
    this.#options = options;
    this.#assoc = new AssociationManager({
      store: traceStore(this.store),
      mode: this.store ? mode : 'none',
      queue: options.queue,
      fetcher: this.#fetcher,
      negotiator: options.negotiator ?? new SessionNegotiator(),
      now: this.#now,
    });
  }

  /** The fetcher used for discovery, associations and check_authentication. */
  get fetcher(): Fetcher {
    return this.#fetcher;
  }

  async #discover(identifier: string) {
    if (
      lacksDnsPinning(this.#fetcher) &&
      this.#options.allowedProviders === undefined &&
      this.#options.fixedProvider === undefined &&
      this.#options.allowDiscoveryWithoutDnsPinning !== true
    ) {
      throw new DiscoveryError(
        'discovery_refused',
        'this runtime cannot pin DNS: name the providers (allowedProviders) or set allowDiscoveryWithoutDnsPinning',
        identifier,
      );
    }
    return discover(identifier, {
      fetcher: this.#fetcher,
      cache: this.#cache,
      ...(this.#options.xriProxy === undefined ? {} : { xriProxy: this.#options.xriProxy }),
    });
  }

  /** False when the provider is fixed (`fixedProvider`): begin() needs no user input. */
  get needsUserInput(): boolean {
    return this.#fixed === null;
  }

  /** The provider's user id in a claimed id of the `fixedProvider` pattern (e.g. a SteamID64), or null. */
  fixedProviderUserId(claimedId: string): string | null {
    return this.#fixed ? fixedProviderUserId(this.#fixed, claimedId) : null;
  }

  #providerAllowed(opEndpoint: string): boolean {
    if (this.#fixed && opEndpoint !== this.#fixed.opEndpoint) return false;
    const allowed = this.#options.allowedProviders;
    // Compared as URIs (RFC 3986 normalization), not as strings: `HTTPS://OP.example:443/` is that endpoint.
    return allowed === undefined || allowed.some((entry) => sameUri(entry, opEndpoint));
  }

  /**
   * Discover `userInput` and build the request to its provider. Throws
   * `DiscoveryError` / `FetchError` when discovery fails (show the user a
   * message by its `code`). With `fixedProvider`, `userInput` is ignored and
   * the user is sent to that provider with identifier_select.
   */
  begin(userInput = '', options: BeginOptions = {}): Promise<AuthRequest> {
    return traceBegin(userInput, () => this.#begin(userInput, options));
  }

  async #begin(userInput: string, options: BeginOptions): Promise<AuthRequest> {
    if (this.#fixed)
      return this.beginWithEndpoint(fixedLoginEndpoint(this.#fixed), { ...options, anonymous: false });
    const found = await this.#discover(userInput);
    const allowed = found.endpoints.filter((e) => this.#providerAllowed(e.opEndpoint));
    if (allowed.length === 0)
      throw new OpenIDError('untrusted_op', 'no discovered provider is allowed for this site');
    const candidates = options.anonymous ? allowed.filter((e) => e.version === '2.0') : allowed;
    if (candidates.length === 0) {
      throw new OpenIDError('version_error', 'anonymous requests need an OpenID 2.0 provider');
    }
    // Services in priority order; one that looks down is passed over for the next (issue 24).
    const chosen = await chooseService(
      candidates,
      (e) => this.#assoc.forLogin(e),
      options.deadlineMs ?? this.#options.beginDeadlineMs ?? 20_000,
    );
    return this.#buildRequest(chosen.endpoint, chosen.association, options, chosen.tried);
  }

  /** Build a request for an endpoint you already know (a preset such as Steam). */
  async beginWithEndpoint(endpoint: ServiceEndpoint, options: BeginOptions = {}): Promise<AuthRequest> {
    const association = await this.#assoc.forBegin(endpoint);
    return this.#buildRequest(endpoint, association, options, [
      { opEndpoint: endpoint.opEndpoint, version: endpoint.version, outcome: 'chosen' },
    ]);
  }

  async #buildRequest(
    endpoint: ServiceEndpoint,
    association: Association | null,
    options: BeginOptions,
    tried: readonly TriedService[],
  ): Promise<AuthRequest> {
    const returnTo = options.returnTo ?? this.returnTo;
    const realm = options.realm ?? this.realm;
    const m = Message.create(endpoint.version);
    const mode = options.immediate ? 'checkid_immediate' : 'checkid_setup';
    m.set(OPENID_NS, 'mode', mode);
    // A fresh nonce rides in return_to for every login (the provider signs it):
    // it binds the response to this login's state (login CSRF, SE-01), and in
    // OpenID 1, which has no response_nonce, it is also the replay nonce.
    const sentReturnTo = withQueryParam(returnTo, RP_NONCE_PARAM, makeNonce(this.#now()));
    if (endpoint.version === '2.0') {
      if (!options.anonymous) {
        const claimed = endpoint.isOpIdentifier
          ? IDENTIFIER_SELECT
          : (endpoint.claimedId ?? IDENTIFIER_SELECT);
        const identity = endpoint.isOpIdentifier ? IDENTIFIER_SELECT : (endpointLocalId(endpoint) ?? claimed);
        m.set(OPENID_NS, 'claimed_id', claimed).set(OPENID_NS, 'identity', identity);
      }
      m.set(OPENID_NS, 'realm', realm);
    } else {
      m.set(OPENID_NS, 'identity', endpointLocalId(endpoint) ?? '');
      m.set(OPENID_NS, 'trust_root', realm);
    }
    m.set(OPENID_NS, 'return_to', sentReturnTo);
    if (association) m.set(OPENID_NS, 'assoc_handle', association.handle);
    const inReturnTo = this.#options.stateIn === 'returnTo';
    if (inReturnTo && options.bindTo === undefined && this.#options.requireStateBinding !== false) {
      throw new OpenIDError(
        'invalid_option',
        "stateIn: 'returnTo' needs bindTo on each begin() (or requireStateBinding: false, see the ruby migration guide)",
      );
    }
    const state: LoginState = {
      endpoint,
      claimedId: endpoint.isOpIdentifier ? null : endpoint.claimedId,
      returnTo: sentReturnTo,
      realm,
      issuedAt: this.#now(),
      immediate: options.immediate === true,
      anonymous: options.anonymous === true,
      ...(options.bindTo === undefined ? {} : { binding: bindingDigest(this.#secret, options.bindTo) }),
    };
    const token = encodeState(state, this.#secret);
    // The state rides in return_to: the provider echoes it back (and signs it in its answer).
    if (inReturnTo) m.set(OPENID_NS, 'return_to', withQueryParam(sentReturnTo, RETURN_TO_STATE_PARAM, token));
    const auth = new AuthRequest(endpoint, m, token, association !== null, tried);
    for (const ext of options.extensions ?? []) auth.addExtension(ext);
    if (options.session) await options.session.set(STATE_SESSION_KEY, auth.state);
    return auth;
  }

  /**
   * Verify the provider's response. Never throws for anything the network
   * or the browser sent: every problem is a `failure` with a `code`.
   */
  complete(currentUrl: string, options: CompleteOptions = {}): Promise<CompleteResult> {
    return traceComplete(currentUrl, options.body, () => this.#completeSafely(currentUrl, options));
  }

  async #completeSafely(currentUrl: string, options: CompleteOptions): Promise<CompleteResult> {
    try {
      const session = options.session;
      if (session) {
        const kept = options.state ?? (await session.get(STATE_SESSION_KEY)) ?? null;
        await session.delete(STATE_SESSION_KEY);
        return await this.#complete(currentUrl, { ...options, state: kept });
      }
      return await this.#complete(currentUrl, options);
    } catch (e) {
      if (e instanceof OpenIDError)
        return FAIL(isCompleteFailureCode(e.code) ? e.code : 'internal_error', e.message);
      // Fail closed on anything else too (a custom fetcher or store that
      // throws): never a success, never an exception the app may mishandle (AP-05).
      return FAIL('internal_error', `verification failed: ${inert(e instanceof Error ? e.message : e, 600)}`);
    }
  }

  /**
   * Of several login state tokens (several state cookies arrived: parallel
   * logins, or a cookie tossed by a sibling subdomain), the one the response
   * at `currentUrl` belongs to: authentic (MAC), unexpired, and carrying the
   * same per-login nonce (`openid2.rp_nonce`) as the response's return_to.
   * Undefined when none does. Never "the first": a browser sends the cookie
   * with the longest Path first, and the attacker chooses the Path.
   *
   * @example
   * const state = rp.selectState(readStateCookies(cookie, req.headers.cookie), currentUrl, body);
   * const result = await rp.complete(currentUrl, { state, body });
   */
  selectState(
    candidates: readonly string[],
    currentUrl: string,
    body?: URLSearchParams | Readonly<Record<string, unknown>> | null,
  ): string | undefined {
    const posted =
      body instanceof URLSearchParams ? body.get('openid.return_to') : body?.['openid.return_to'];
    const nonce = rpNonceOf(currentUrl) ?? (typeof posted === 'string' ? rpNonceOf(posted) : null);
    if (nonce === null) return undefined;
    return candidates.find((token) => {
      const check = decodeState(token, this.#secret, this.#now(), this.#stateMaxAge);
      return check.ok && rpNonceOf(check.state.returnTo) === nonce;
    });
  }

  async #complete(currentUrl: string, options: CompleteOptions): Promise<CompleteResult> {
    let url: URL;
    try {
      url = new URL(currentUrl);
    } catch {
      return FAIL('malformed_message', 'the current URL is not an absolute URL');
    }
    if (this.#fixed) {
      const screen = screenFixedProviderFields(this.#fixed, url, options.body);
      if (!screen.ok) return FAIL(screen.code, screen.message);
    }
    const message = parseResponse(url, options.body);
    if ('status' in message) return message;

    // Mode dispatch: nothing but id_res can authenticate anyone.
    const mode = message.get(OPENID_NS, 'mode');
    if (mode === 'cancel') return { status: 'cancel' };
    if (mode === 'error') {
      // Kept for the app's error page, as python-openid's FailureResponse (spec §5.2.3); unverified text.
      const contact = message.get(OPENID_NS, 'contact');
      const reference = message.get(OPENID_NS, 'reference');
      return {
        ...FAIL('op_error', `the provider said: ${inert(message.get(OPENID_NS, 'error'))}`),
        ...(contact === undefined ? {} : { contact: plainText(contact) }),
        ...(reference === undefined ? {} : { reference: plainText(reference) }),
      };
    }
    if (mode !== 'id_res' && mode !== 'setup_needed')
      return FAIL('malformed_message', `unexpected openid.mode ${inert(mode)}`);

    // stateIn 'returnTo': the state comes back inside return_to when the app holds none.
    const fromReturnTo =
      !options.state && this.#options.stateIn === 'returnTo'
        ? stateFromReturnTo(message.get(OPENID_NS, 'return_to'))
        : null;
    const token = options.state || fromReturnTo;
    const stateCheck = token ? decodeState(token, this.#secret, this.#now(), this.#stateMaxAge) : null;
    if (stateCheck && !stateCheck.ok) return FAIL(stateCheck.code, stateCheck.message);
    const state = stateCheck?.ok ? stateCheck.state : null;
    if (state) {
      const bound = checkStateBinding(state.binding, options.bindTo, this.#secret);
      if (!bound.ok) return FAIL(bound.code, bound.message);
    }
    if (state && fromReturnTo !== null && mode === 'id_res' && this.store) {
      // Used once: the store records this login's nonce the first time its state is checked.
      const rpNonce = new URL(state.returnTo).searchParams.get(RP_NONCE_PARAM);
      let fresh = false;
      try {
        fresh = rpNonce !== null && (await consumeReturnToState(this.store, rpNonce));
      } catch (e) {
        // The rp nonce is this relying party's own (the state is authenticated): an error is the store's.
        return FAIL(
          'store_unavailable',
          `the login state could not be checked: ${e instanceof Error ? e.message : String(e)}`,
        );
      }
      if (!fresh) return FAIL('state_replayed', 'this login state was used before; start again');
    }

    // "Setup needed" answers only an immediate request this browser started, in the version of
    // this login, and (1.x) with a setup URL on the provider's origin (NE-03, NE-04, NS-05, issue 18).
    const setupUrl = message.get(OPENID_NS, 'user_setup_url');
    if (mode === 'setup_needed' || (message.isOpenID1() && setupUrl !== undefined)) {
      const setup = checkSetupNeeded(message, state, url.toString());
      return setup.ok
        ? { status: 'setup_needed', setupUrl: setup.setupUrl }
        : FAIL(setup.code, setup.message);
    }
    if (!state && !(this.#options.allowUnsolicited && message.isOpenID2())) {
      return FAIL(
        'unsolicited_rejected',
        'no login state for this response (start the login from this site)',
      );
    }
    const version = state ? state.endpoint.version : '2.0';
    const claimedIdSeen = message.get(OPENID_NS, 'claimed_id') ?? message.get(OPENID_NS, 'identity');

    for (const check of [checkVersion(message, version), checkRequiredFields(message, version)]) {
      if (!check.ok) return FAIL(check.code, check.message, claimedIdSeen);
    }
    const signedCheck = checkSignedList(message, version);
    if (!signedCheck.ok) return FAIL(signedCheck.code, signedCheck.message, claimedIdSeen);
    const signed = signedCheck.signed ?? [];

    const returnTo = message.get(OPENID_NS, 'return_to') as string;
    const here = checkReturnTo(returnTo, url);
    if (!here.ok) return FAIL(here.code, here.message, claimedIdSeen);
    if (state) {
      // The response must answer *this* browser's login: its return_to carries the nonce begin() put there.
      if (!sameRpNonce(returnTo, state.returnTo)) {
        return FAIL(
          'session_binding_failed',
          'the response answers another login than the one this browser started',
          claimedIdSeen,
        );
      }
      // stateIn 'returnTo': the sent return_to also carried the state token.
      const echoedState = this.#options.stateIn === 'returnTo' ? stateFromReturnTo(returnTo) : null;
      const sent = checkReturnTo(
        returnTo,
        echoedState === null
          ? state.returnTo
          : withQueryParam(state.returnTo, RETURN_TO_STATE_PARAM, echoedState),
      );
      if (!sent.ok) return FAIL(sent.code, sent.message, claimedIdSeen);
    } else {
      // No state: the URL the app passed may come from a forged Host header (RT-09);
      // return_to must still name this relying party's configured return URL.
      const configured = new URL(this.returnTo);
      configured.search = '';
      const mine = checkReturnTo(
        configured.toString(),
        new URL(returnTo).origin + new URL(returnTo).pathname,
      );
      if (!mine.ok) return FAIL(mine.code, mine.message, claimedIdSeen);
    }

    // Nonce format and window now; consumed last, once everything else holds.
    let nonce: { timestamp: number; salt: string };
    if (version === '2.0') {
      const n = checkNonceWindow(message.get(OPENID_NS, 'response_nonce'), this.#now(), this.#skew);
      if (!n.ok) return FAIL(n.code, n.message, claimedIdSeen);
      nonce = { timestamp: n.timestamp as number, salt: n.salt as string };
    } else {
      const rpNonce = new URL(returnTo).searchParams.get(RP_NONCE_PARAM) ?? undefined;
      const n = checkNonceWindow(rpNonce, this.#now(), this.#skew);
      if (!n.ok) return FAIL(n.code, n.message, claimedIdSeen);
      const parts = splitNonce(rpNonce as string);
      nonce = { timestamp: parts.timestamp, salt: parts.salt };
    }

    // Discovered information (§11.2): which endpoint may vouch for this claimed id.
    const endpoint = await this.#verifiedEndpoint(message, state);
    if ('status' in endpoint)
      return { ...endpoint, ...(claimedIdSeen === undefined ? {} : { assertedClaimedId: claimedIdSeen }) };
    if (!this.#providerAllowed(endpoint.opEndpoint)) {
      return FAIL('untrusted_op', 'this provider is not allowed for this site', claimedIdSeen);
    }

    // Signature (§11.4): local HMAC with a held association, else check_authentication to the verified endpoint.
    const sig = await verifySignature(message, endpoint, {
      store: traceStore(this.store),
      fetcher: this.#fetcher,
      now: this.#now,
    });
    if (!sig.ok) return FAIL(sig.code, sig.message, claimedIdSeen);

    // Replay (§11.3): consume the nonce atomically, per endpoint. A store that is down fails the login.
    if (this.store) {
      let fresh: boolean;
      try {
        fresh = await traceStore(this.store).useNonce(endpoint.opEndpoint, nonce.timestamp, nonce.salt);
      } catch (e) {
        return FAIL(
          'store_unavailable',
          `the nonce could not be checked: ${inert(e instanceof Error ? e.message : e, 600)}`,
        );
      }
      if (!fresh) return FAIL('nonce_replay', 'this response was used before', claimedIdSeen);
    }

    // The claimed id as discovery canonicalised it (UR-02, UR-05: one spelling per identifier),
    // with the response's fragment kept (§11.5.1).
    const asserted = message.get(OPENID_NS, 'claimed_id');
    const claimedId =
      version === '2.0'
        ? asserted === undefined
          ? null
          : endpoint.claimedId !== null && !endpoint.isOpIdentifier
            ? `${endpoint.claimedId}${fragmentOf(asserted)}`
            : asserted
        : (state?.claimedId ?? endpointLocalId(endpoint));
    if (claimedId === null && !(state?.anonymous ?? false)) {
      return FAIL('missing_field', 'the assertion names no identifier');
    }
    // Defence in depth: what a fixed provider verified must still be its own.
    if (this.#fixed && (claimedId === null || fixedProviderUserId(this.#fixed, claimedId) === null))
      return FAIL('untrusted_claimed_id', 'the verified claimed id is not of the provider’s form');
    return new SuccessResult(SUCCESS_TOKEN, {
      claimedId,
      identity: message.get(OPENID_NS, 'identity') ?? null,
      endpoint,
      signedFields: signed,
      signedMessage: () => signedSubset(message, signed),
      verifiedBy: sig.verifiedBy,
      returnTo,
      version,
    });
  }

  /** The endpoint that may vouch for the response's identifier, or a failure. */
  async #verifiedEndpoint(
    message: Message,
    state: LoginState | null,
  ): Promise<ServiceEndpoint | FailureResult> {
    if (message.isOpenID1()) {
      if (!state) return FAIL('unsolicited_rejected', 'OpenID 1 responses need login state');
      const c = checkOpenID1Identity(message, state.endpoint);
      return c.ok ? state.endpoint : FAIL(c.code, c.message);
    }
    const claimed = message.get(OPENID_NS, 'claimed_id');
    if (claimed === undefined) {
      // An identifier-less (extension-only) assertion: only the endpoint of this login may send it.
      if (!state?.anonymous) return FAIL('missing_field', 'the assertion has no claimed_id');
      const c = checkDiscoveredEndpoint(message, state.endpoint);
      return c.ok ? state.endpoint : FAIL(c.code, c.message);
    }
    if (claimed === IDENTIFIER_SELECT || message.get(OPENID_NS, 'identity') === IDENTIFIER_SELECT) {
      return FAIL('discovery_mismatch', 'the provider did not choose an identifier');
    }
    // Fast path: the response names exactly what begin() discovered.
    if (state && !state.endpoint.isOpIdentifier && state.claimedId !== null) {
      if (checkDiscoveredEndpoint(message, { ...state.endpoint, claimedId: state.claimedId }).ok)
        return state.endpoint;
    }
    // Otherwise (identifier_select, delegation changed, unsolicited): discover the claimed id itself.
    let found: Awaited<ReturnType<RelyingParty['discoverClaimedId']>>;
    try {
      found = await this.discoverClaimedId(stripFragment(claimed));
    } catch (e) {
      if (e instanceof OpenIDError)
        return FAIL('discovery_failed', `discovery of the claimed id failed: ${inert(e.message, 600)}`);
      throw e;
    }
    let last: { code: CompleteFailureCode; message: string } = {
      code: 'discovery_mismatch',
      message: 'no discovered endpoint matches',
    };
    for (const e of found) {
      const c = checkDiscoveredEndpoint(message, e);
      if (c.ok) return e;
      last = c;
    }
    return FAIL(last.code, last.message);
  }

  /**
   * Discover a claimed identifier's OpenID 2.0 endpoints (cached). With
   * `fixedProvider` nothing is fetched: the provider is authoritative for ids of its pattern.
   */
  async discoverClaimedId(claimedId: string): Promise<readonly ServiceEndpoint[]> {
    if (this.#fixed) return authoritativeEndpoints(this.#fixed, claimedId);
    const r = await this.#discover(claimedId);
    return r.endpoints.filter((e) => e.version === '2.0');
  }

  /** The association pair list in use. */
  get associationPairs(): readonly AssociationPair[] {
    return this.#assoc.negotiator.pairs;
  }
}

/**
 * The response message: from the POST body when there is one (then the query
 * may not carry openid.* too), else from the query.
 */
function parseResponse(url: URL, body: CompleteOptions['body']): Message | FailureResult {
  try {
    if (body !== undefined && body !== null) {
      for (const k of url.searchParams.keys()) {
        if (k.startsWith('openid.'))
          return FAIL('malformed_message', 'openid.* fields in both the query and the body');
      }
      const args: ArgsInput = typeof body === 'string' ? new URLSearchParams(body) : body;
      return Message.fromPostArgs(args);
    }
    return Message.fromPostArgs(url.searchParams);
  } catch (e) {
    if (e instanceof OpenIDError)
      return FAIL(e.code === 'ns_invalid' ? 'ns_mismatch' : 'malformed_message', e.message);
    throw e;
  }
}

/** `#fragment` of a URL string, or ''. */
function fragmentOf(url: string): string {
  const i = url.indexOf('#');
  return i === -1 ? '' : url.slice(i);
}

/** A provider's free text as a field value: control characters become spaces, at most 500 characters. */
function plainText(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 500);
}
