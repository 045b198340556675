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
import type { ServiceEndpoint } from '../discovery/endpoints.js';
import type { Fetcher } from '../discovery/fetcher.js';
import { lacksDnsPinning } from '../discovery/web-fetcher.js';
import { DiscoveryError, OpenIDError } from '../protocol/errors.js';
import { inert } from '../protocol/inert.js';
import { OPENID_NS } from '../protocol/message.js';
import { DEFAULT_NONCE_SKEW } from '../protocol/nonce.js';
import { Realm } from '../protocol/realm.js';
import { signedSubset } from '../protocol/signature.js';
import type { OpenIDStore } from '../stores/store.js';
import { AssociationManager } from './association-manager.js';
import type { AuthRequest } from './auth-request.js';
import { chooseService } from './begin-fallback.js';
import { buildRequest, type RequestRules } from './build-request.js';
import { isCompleteFailureCode } from './failure-codes.js';
import {
  authoritativeEndpoints,
  compileFixedProvider,
  type FixedProvider,
  fixedLoginEndpoint,
  fixedProviderUserId,
  withCheckAuthOrigin,
} from './fixed-provider.js';
import {
  type BeginOptions,
  type CompleteOptions,
  type RelyingPartyOptions,
  STATE_SESSION_KEY,
} from './options.js';
import type { CompleteResult } from './result.js';
import { SUCCESS_TOKEN, SuccessResult } from './result.js';
import { rpNonceOf } from './rp-nonce.js';
import { verifiedClaimedId } from './rules/claimed-id.js';
import { type DiscoverClaimedId, verifiedEndpoint } from './rules/endpoint.js';
import { checkAssertionFields } from './rules/fields.js';
import { checkConfiguredReturnTo, checkLoginReturnTo } from './rules/login-return-to.js';
import { type LoginStateRules, loginStateOf } from './rules/login-state.js';
import { providerError, responseMode } from './rules/mode.js';
import { assertionNonce } from './rules/nonce.js';
import { useNonceOnce } from './rules/nonce-replay.js';
import { checkProviderAllowed, providerAllowed } from './rules/provider-allowed.js';
import { readResponse } from './rules/response.js';
import { checkReturnToUrl } from './rules/return-to.js';
import { isSetupAnswer, setupNeededResult } from './rules/setup-needed.js';
import { type VerifySignatureOptions, verifySignature } from './rules/signature.js';
import { checkSolicited } from './rules/solicited.js';
import { failureOf, refuse } from './rules/verdict.js';
import { decodeState } from './state.js';
import { traceBegin, traceComplete } from './trace.js';

export type { BeginOptions, CompleteOptions, RelyingPartyOptions } from './options.js';
export { STATE_SESSION_KEY } from './options.js';

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
  // What the rules need of this configuration, made once: complete() builds nothing per call for them.
  readonly #loginRules: LoginStateRules;
  readonly #requestRules: RequestRules;
  readonly #signatureRules: VerifySignatureOptions;
  readonly #discoverClaimed: DiscoverClaimedId;

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
    this.#loginRules = {
      secret,
      now: this.#now,
      maxAgeSeconds: this.#stateMaxAge,
      stateInReturnTo: options.stateIn === 'returnTo',
      store: this.store,
    };
    this.#requestRules = {
      realm: this.realm,
      returnTo: this.returnTo,
      secret,
      now: this.#now,
      stateInReturnTo: options.stateIn === 'returnTo',
      requireStateBinding: options.requireStateBinding !== false,
    };
    this.#signatureRules = { store: traceStore(this.store), fetcher: this.#fetcher, now: this.#now };
    // Looked up at each call, as before: a subclass or a test may replace discoverClaimedId.
    this.#discoverClaimed = (claimedId) => this.discoverClaimedId(claimedId);
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
    const allowed = found.endpoints.filter((e) =>
      providerAllowed(e.opEndpoint, this.#fixed, this.#options.allowedProviders),
    );
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
    return buildRequest(chosen.endpoint, chosen.association, options, chosen.tried, this.#requestRules);
  }

  /** Build a request for an endpoint you already know (a preset such as Steam). */
  async beginWithEndpoint(endpoint: ServiceEndpoint, options: BeginOptions = {}): Promise<AuthRequest> {
    const association = await this.#assoc.forBegin(endpoint);
    const tried = [
      { opEndpoint: endpoint.opEndpoint, version: endpoint.version, outcome: 'chosen' as const },
    ];
    return buildRequest(endpoint, association, options, tried, this.#requestRules);
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
        return failureOf(refuse(isCompleteFailureCode(e.code) ? e.code : 'internal_error', e.message));
      // Fail closed on anything else too (a custom fetcher or store that
      // throws): never a success, never an exception the app may mishandle (AP-05).
      const reason = `verification failed: ${inert(e instanceof Error ? e.message : e, 600)}`;
      return failureOf(refuse('internal_error', reason));
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

  /**
   * The §11 pipeline: the rules of rules/, in the spec's order, each a
   * function with a typed verdict; the first refusal is the answer. Pure
   * checks run before I/O (discovery, check_authentication), and the nonce
   * is consumed last, once everything else holds.
   */
  async #complete(currentUrl: string, options: CompleteOptions): Promise<CompleteResult> {
    const response = readResponse(currentUrl, options.body, this.#fixed); // §5.2: URL, screening, message
    if (!response.ok) return failureOf(response);
    const { url, message, query } = response.value;
    // Mode dispatch: nothing but id_res can authenticate anyone.
    const mode = responseMode(message);
    if (!mode.ok) return failureOf(mode);
    if (mode.value === 'cancel') return { status: 'cancel' };
    if (mode.value === 'error') return providerError(message);
    // Login binding: this browser's state, authentic, bound, and (in return_to) used once.
    const login = await loginStateOf(message, mode.value, options, this.#loginRules);
    if (!login.ok) return failureOf(login);
    const state = login.value;
    if (isSetupAnswer(message, mode.value)) return setupNeededResult(message, state, url.toString());
    const solicited = checkSolicited(message, state, this.#options.allowUnsolicited === true);
    if (!solicited.ok) return failureOf(solicited);
    const version = solicited.value;
    // From here a refusal names the claimed id the response asserted (unverified).
    const asserted = message.get(OPENID_NS, 'claimed_id') ?? message.get(OPENID_NS, 'identity');
    const fields = checkAssertionFields(message, version); // §10.1
    if (!fields.ok) return failureOf(fields, asserted);
    const { returnTo, assocHandle, signed } = fields.value;
    const here = checkReturnToUrl(returnTo, url, query); // §11.1
    if (!here.ok) return failureOf(here, asserted);
    const sent = state
      ? checkLoginReturnTo(returnTo, state, this.#loginRules.stateInReturnTo, here.value)
      : checkConfiguredReturnTo(returnTo, this.returnTo);
    if (!sent.ok) return failureOf(sent, asserted);
    const nonce = assertionNonce(message, version, returnTo, this.#now(), this.#skew); // §11.3, the window
    if (!nonce.ok) return failureOf(nonce, asserted);
    const endpoint = await verifiedEndpoint(message, state, this.#discoverClaimed); // §11.2
    if (!endpoint.ok) return failureOf(endpoint, asserted);
    const op = endpoint.value.opEndpoint;
    const allowed = checkProviderAllowed(op, this.#fixed, this.#options.allowedProviders);
    if (!allowed.ok) return failureOf(allowed, asserted);
    const sig = await verifySignature(message, endpoint.value, assocHandle, signed, this.#signatureRules); // §11.4
    if (!sig.ok) return failureOf(sig, asserted);
    const fresh = await useNonceOnce(this.#signatureRules.store, op, nonce.value); // §11.3, consumed
    if (!fresh.ok) return failureOf(fresh, fresh.code === 'nonce_replay' ? asserted : undefined);
    const claimedId = verifiedClaimedId(message, version, endpoint.value, state, this.#fixed); // §11.5.1
    if (!claimedId.ok) return failureOf(claimedId);
    return new SuccessResult(SUCCESS_TOKEN, {
      claimedId: claimedId.value,
      identity: message.get(OPENID_NS, 'identity') ?? null,
      endpoint: endpoint.value,
      signedFields: signed,
      signedMessage: () => signedSubset(message, signed),
      verifiedBy: sig.value,
      returnTo,
      version,
    });
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
