/**
 * The requests a provider receives (spec §8, §9, §11.4.2), decoded and
 * checked. Checkid requests carry what the app needs to decide, and
 * `answer()` turns the decision into a response.
 */

import type { Fetcher } from '../discovery/fetcher.js';
import { discoverReturnTo } from '../discovery/yadis.js';
import { type AssociationType, IDENTIFIER_SELECT, type SessionType } from '../protocol/constants.js';
import {
  MalformedReturnUrlError,
  MalformedTrustRootError,
  NoReturnToError,
  OpenIDError,
  ProtocolError,
  UntrustedReturnUrlError,
} from '../protocol/errors.js';
import { Message, OPENID_NS } from '../protocol/message.js';
import { makeNonce } from '../protocol/nonce.js';
import { Realm, returnToMatchesAny } from '../protocol/realm.js';
import { sameUri, stripFragment } from '../protocol/urinorm.js';
import { webScheme } from '../protocol/url-scheme.js';
import { OPResponse } from './response.js';
import { checkReturnToHasNoOpenIDArgs } from './return-to-openid-args.js';
import { evaluateTrust, type TrustEvaluation } from './trust.js';

/** What a checkid request needs from its provider. */
export interface ProviderContext {
  readonly endpoint: string;
  readonly fetcher: Fetcher;
  readonly setupUrl: string | undefined;
  now(): number;
}

/** `openid.mode=associate` (spec §8.1). */
export class AssociateRequest {
  /** Discriminant of {@link OPRequest}. */
  readonly mode = 'associate' as const;
  constructor(
    /** The request as received. */
    readonly message: Message,
    /** Requested `openid.assoc_type` (HMAC-SHA1 for OpenID 1 when absent). */
    readonly assocType: AssociationType,
    /** Requested `openid.session_type` (`no-encryption` for an empty OpenID 1 value). */
    readonly sessionType: SessionType,
  ) {}
}

/** `openid.mode=check_authentication` (spec §11.4.2). */
export class CheckAuthRequest {
  /** Discriminant of {@link OPRequest}. */
  readonly mode = 'check_authentication' as const;
  constructor(
    /** The assertion to verify, as the relying party sent it back. */
    readonly message: Message,
  ) {}
}

/** Options of {@link CheckIDRequest.answer}. */
export interface AnswerOptions {
  /** The identifier the user proved (required for identifier_select requests). */
  identity?: string;
  /** The claimed identifier; defaults to `identity` for identifier_select, to the request's otherwise. */
  claimedId?: string;
  /** OpenID 1 immediate mode: where the user can log in (`user_setup_url`). */
  setupUrl?: string;
  /**
   * Answer for an identifier other than the one the request names: the user
   * chose another of their identifiers at the provider. Off by default, so an
   * app that passes "whoever is signed in" cannot pair the requested
   * claimed_id with someone else's identity (OPR-06). The spec lets a relying
   * party accept such an answer after discovering the new claimed id (§11.2).
   */
  switchIdentifier?: boolean;
  /**
   * The `openid.op_endpoint` to assert (python-openid's `server_url`), when
   * this answer speaks for another endpoint URL of the same provider than
   * the Provider's `endpoint` (one provider reached under two host names).
   * It must be an endpoint discovery of the claimed id finds, or relying
   * parties refuse the assertion.
   */
  opEndpoint?: string;
}

/** `openid.mode=checkid_setup` / `checkid_immediate` (spec §9): the app decides. */
export class CheckIDRequest {
  /** Discriminant of {@link OPRequest}. */
  readonly mode: 'checkid_setup' | 'checkid_immediate';
  /** The request as received; extension readers take the request (`SRegRequest.fromCheckIdRequest(request)`). */
  readonly message: Message;
  /** `checkid_immediate`: the provider may not interact with the user (spec §9.2); answer false means `setup_needed`. */
  readonly immediate: boolean;
  /** `openid.identity` (may be identifier_select); null for an identifier-less request. */
  readonly identity: string | null;
  /** `openid.claimed_id` (2.0); for 1.x the identity. */
  readonly claimedId: string | null;
  /** `openid.return_to`, already checked to be an http(s) URL inside the realm; null when absent. */
  readonly returnTo: string | null;
  /** The realm (trust_root in 1.x), defaulting to return_to. */
  readonly realm: string;
  /** The relying party's `openid.assoc_handle`, if it sent one. */
  readonly assocHandle: string | null;
  readonly #ctx: ProviderContext;

  /** @internal Built by `Provider.decodeRequest()`. */
  constructor(message: Message, ctx: ProviderContext) {
    this.#ctx = ctx;
    this.message = message;
    this.mode = message.get(OPENID_NS, 'mode') as 'checkid_setup' | 'checkid_immediate';
    this.immediate = this.mode === 'checkid_immediate';
    const ns = message.namespace;
    const returnTo = message.get(OPENID_NS, 'return_to') ?? null;
    const realmText = message.get(OPENID_NS, message.isOpenID2() ? 'realm' : 'trust_root') ?? returnTo;
    if (returnTo !== null) {
      if (webScheme(returnTo) === null)
        throw new MalformedReturnUrlError(returnTo, { indirect: true, namespace: ns });
      // An error page, never a redirect to return_to: that URL is the problem (issue 18, item 7).
      const args = checkReturnToHasNoOpenIDArgs(returnTo);
      if (!args.ok) throw new ProtocolError(args.code, args.message, { indirect: true, namespace: ns });
    }
    if (realmText === null)
      throw new NoReturnToError('the request has neither return_to nor realm', {
        indirect: true,
        namespace: ns,
      });
    const realm = Realm.parse(realmText);
    if (!realm) throw new MalformedTrustRootError(realmText, { indirect: true, namespace: ns });
    if (returnTo !== null && !realm.validateUrl(returnTo)) {
      throw new UntrustedReturnUrlError(returnTo, realmText, { indirect: true, namespace: ns });
    }
    this.returnTo = returnTo;
    this.realm = realmText;
    // From here on errors may be sent back to return_to: it is valid and within the realm.
    const ctxErr = { indirect: true, namespace: ns, returnTo: returnTo ?? undefined };
    const identity = message.get(OPENID_NS, 'identity') ?? null;
    const claimed = message.isOpenID2() ? (message.get(OPENID_NS, 'claimed_id') ?? null) : identity;
    if (message.isOpenID2() && (identity === null) !== (claimed === null)) {
      throw new ProtocolError(
        'invalid_request',
        'openid.claimed_id and openid.identity must come together',
        ctxErr,
      );
    }
    if (message.isOpenID1() && identity === null) {
      throw new ProtocolError('invalid_request', 'OpenID 1 requests need openid.identity', ctxErr);
    }
    this.identity = identity;
    this.claimedId = claimed;
    this.assocHandle = message.get(OPENID_NS, 'assoc_handle') ?? null;
  }

  /**
   * This request as a URL at `serverUrl` (default the provider's endpoint):
   * python-openid's `encodeToURL`. Used for OpenID 1 `user_setup_url`, or to
   * send the user on to another endpoint with the request intact.
   */
  encodeToURL(serverUrl: string = this.#ctx.endpoint): string {
    return this.message.toURL(serverUrl);
  }

  /**
   * Where to send the user to cancel: return_to with `openid.mode=cancel`
   * (python-openid's `getCancelURL`). Throws `NoReturnToError` without return_to,
   * and `ProtocolError` for an immediate request (that answers `setup_needed`).
   */
  getCancelURL(): string {
    if (this.returnTo === null) throw new NoReturnToError('the request has no return_to to answer to');
    if (this.immediate)
      throw new ProtocolError('invalid_request', 'an immediate request is not cancelled: answer it false');
    const m = Message.create(this.message.version);
    m.set(OPENID_NS, 'mode', 'cancel');
    return m.toURL(this.returnTo);
  }

  /**
   * The OpenID 1 `user_setup_url` python-openid builds when the app gives
   * none: this request as `checkid_setup`, at the provider's setup URL or
   * endpoint, so the user can finish there with interaction.
   */
  #setupUrlFor(options: AnswerOptions): string {
    const given = options.setupUrl ?? this.#ctx.setupUrl;
    if (given) return given;
    const setup = this.message.clone();
    setup.set(OPENID_NS, 'mode', 'checkid_setup');
    return setup.toURL(options.opEndpoint ?? this.#ctx.endpoint);
  }

  /** Whether the relying party lets the provider choose the identifier (spec §9.1). */
  idSelect(): boolean {
    return this.identity === IDENTIFIER_SELECT;
  }

  /** Whether the realm parses, is sane (not `http://*.com/`) and covers return_to. */
  trustRootValid(): boolean {
    const realm = Realm.parse(this.realm);
    return realm !== null && realm.isSane() && (this.returnTo === null || realm.validateUrl(this.returnTo));
  }

  /**
   * Whether to trust this request, and why: realm well-formed, realm sane
   * (Public Suffix List), return_to within the realm, relying-party
   * discovery (§13) — each with a reason, and an overall verdict
   * (`refuse` / `unverified` / `verified`). The one call a provider app needs
   * before showing a consent page (see src/op/trust.ts).
   *
   * @example
   * const trust = await checkid.evaluateTrust();
   * if (trust.verdict === 'refuse') return checkid.answer(false);
   */
  evaluateTrust(): Promise<TrustEvaluation> {
    return evaluateTrust({ realm: this.realm, returnTo: this.returnTo }, this.#ctx.fetcher);
  }

  /**
   * Relying-party discovery (spec §13): the realm's XRDS must list a
   * return_to endpoint that return_to matches. Fetched through the
   * provider's SSRF-guarded fetcher; any failure is `false`.
   */
  async returnToVerified(): Promise<boolean> {
    const realm = Realm.parse(this.realm);
    if (!realm || this.returnTo === null) return false;
    try {
      return returnToMatchesAny(
        await discoverReturnTo(realm.discoveryUrl(), this.#ctx.fetcher),
        this.returnTo,
      );
    } catch (e) {
      if (e instanceof OpenIDError) return false;
      throw e;
    }
  }

  /**
   * A request that names its identifier is answered for that identifier
   * only (as python-openid does): an app that passes the signed-in user's
   * identity for a request about someone else gets an error, never an
   * assertion pairing the requested claimed_id with another identity
   * (security cases OPR-06, DV-03). A claimed_id on the provider's own
   * origin that differs from the identity is not delegation the provider can
   * vouch for unless the app names it in `claimedId` (OPR-07).
   * @see OpenID 2.0 §10.1 ("claimed_id ... identity")
   */
  #checkAnswerIdentity(options: AnswerOptions): void {
    const ctxErr = {
      indirect: true,
      namespace: this.message.namespace,
      returnTo: this.returnTo ?? undefined,
    };
    // The identifier the app offered (the signed-in user's) is the provider's private knowledge: it
    // stays in `message` for the provider's log; the relying party only learns which of its own
    // values could not be answered.
    const refuse = (why: string, publicMessage: string) =>
      new ProtocolError('identity_mismatch', why, { ...ctxErr, publicMessage });
    if (options.switchIdentifier === true) return;
    if (options.identity !== undefined && !sameUri(options.identity, this.identity)) {
      throw refuse(
        `the request is for ${this.identity ?? 'no identity'}; cannot answer for ${options.identity}`,
        'cannot answer for the requested identity',
      );
    }
    // The provider may add a fragment to the claimed id it was asked about (§11.5.1, identifier recycling).
    if (
      options.claimedId !== undefined &&
      !sameUri(withoutAddedFragment(options.claimedId, this.claimedId), this.claimedId)
    ) {
      throw refuse(
        `the request is for claimed_id ${this.claimedId ?? '(none)'}; cannot answer for ${options.claimedId}`,
        'cannot answer for the requested claimed_id',
      );
    }
    if (
      options.claimedId === undefined &&
      this.claimedId !== null &&
      this.identity !== null &&
      !sameUri(this.claimedId, this.identity) &&
      originOf(this.claimedId) === originOf(this.#ctx.endpoint)
    ) {
      throw refuse(
        `claimed_id ${this.claimedId} is on this provider but is not the identity ${this.identity}; pass claimedId to vouch for it`,
        'cannot answer for a claimed_id on this provider that is not the identity',
      );
    }
  }

  /**
   * The answer: `allow` true gives a positive assertion (signed when
   * encoded); false gives `cancel`, or in immediate mode `setup_needed`
   * (OpenID 1: `id_res` with `user_setup_url`).
   */
  answer(allow: boolean, options: AnswerOptions = {}): OPResponse {
    if (this.returnTo === null) throw new NoReturnToError('the request has no return_to to answer to');
    if (options.opEndpoint !== undefined && !/^https?:\/\/[^/]/.test(options.opEndpoint))
      throw new OpenIDError('invalid_option', 'opEndpoint must be an absolute http(s) URL');
    const v2 = this.message.isOpenID2();
    const fields = Message.create(this.message.version);
    if (!allow) {
      if (this.immediate) {
        if (v2) fields.set(OPENID_NS, 'mode', 'setup_needed');
        else
          fields
            .set(OPENID_NS, 'mode', 'id_res')
            .set(OPENID_NS, 'user_setup_url', this.#setupUrlFor(options));
      } else {
        fields.set(OPENID_NS, 'mode', 'cancel');
      }
      return new OPResponse({ fields, kind: 'indirect', returnTo: this.returnTo });
    }
    fields.set(OPENID_NS, 'mode', 'id_res');
    let identity = this.identity;
    let claimed = this.claimedId;
    if (this.idSelect()) {
      if (!options.identity) {
        throw new ProtocolError('invalid_request', 'an identifier_select answer must name the identity');
      }
      identity = options.identity;
      claimed = options.claimedId ?? options.identity;
    } else {
      this.#checkAnswerIdentity(options);
      if (options.switchIdentifier === true) {
        identity = options.identity ?? identity;
        claimed = options.claimedId ?? options.identity ?? claimed;
      } else if (options.claimedId !== undefined) {
        claimed = options.claimedId; // the requested one, perhaps with a fragment added
      }
    }
    if (v2) {
      fields.set(OPENID_NS, 'op_endpoint', options.opEndpoint ?? this.#ctx.endpoint);
      if (identity !== null && claimed !== null) {
        fields.set(OPENID_NS, 'claimed_id', claimed).set(OPENID_NS, 'identity', identity);
      }
      fields.set(OPENID_NS, 'return_to', this.returnTo);
      fields.set(OPENID_NS, 'response_nonce', makeNonce(this.#ctx.now()));
    } else {
      fields.set(OPENID_NS, 'identity', identity ?? '').set(OPENID_NS, 'return_to', this.returnTo);
    }
    return new OPResponse({
      fields,
      kind: 'indirect',
      returnTo: this.returnTo,
      needsSigning: true,
      assocHandle: this.assocHandle,
    });
  }
}

/** `claimedId` without its fragment when `requested` has none (the fragment the provider added). */
function withoutAddedFragment(claimedId: string, requested: string | null): string {
  if (requested === null || requested.includes('#')) return claimedId;
  return stripFragment(claimedId);
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Any request {@link Provider.decodeRequest} returns; switch on `mode`. */
export type OPRequest = AssociateRequest | CheckIDRequest | CheckAuthRequest;
