/**
 * The requests a provider receives (spec §8, §9, §11.4.2), decoded and
 * checked. Checkid requests carry what the app needs to decide, and
 * `allow()` / `deny()` turn the decision into a response. Each check is a
 * rule of src/op/rules/ returning a typed verdict; the constructor and
 * `allow()` run them in the spec's order.
 */

import type { Fetcher } from '../discovery/fetcher.js';
import type { AssociationType, SessionType } from '../protocol/constants.js';
import { ProtocolError, type ProtocolErrorContext } from '../protocol/errors.js';
import { Message, OPENID_NS } from '../protocol/message.js';
import { makeNonce } from '../protocol/nonce.js';
import { Realm } from '../protocol/realm.js';
import type { AllowOptions, AnswerOptions, DenyOptions } from './answer-options.js';
import { OPResponse } from './response.js';
import { refusalError } from './rule-errors.js';
import {
  answerClaimedIdIsRequested,
  answerHasReturnTo,
  answerIdentityIsRequested,
  opEndpointIsWebUrl,
  ownClaimedIdVouched,
  selectedIdentityNamed,
} from './rules/answer.js';
import { assertedIdentifiers, negativeAssertion, positiveAssertion } from './rules/assertion.js';
import {
  claimedIdWithIdentity,
  isIdentifierSelect,
  openID1NamesIdentity,
  requestedIdentifiers,
} from './rules/identity.js';
import { checkidMode } from './rules/mode.js';
import { realmSyntax, requestedRealm } from './rules/realm.js';
import { checkReturnToHasNoOpenIDArgs, returnToIsWebUrl, returnToWithinRealm } from './rules/return-to.js';
import { type ReturnToVerdict, returnToDiscovered } from './rules/return-to-discovery.js';
import { evaluateTrust, type TrustEvaluation } from './trust.js';
import type { RuleVerdict } from './verdict.js';

export type { AllowOptions, AnswerOptions, DenyOptions } from './answer-options.js';

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

/** `openid.mode=checkid_setup` / `checkid_immediate` (spec §9): the app decides. */
export class CheckIDRequest {
  /** Discriminant of {@link OPRequest}. */
  readonly mode: 'checkid_setup' | 'checkid_immediate';
  /** The request as received; extension readers take the request (`SRegRequest.fromCheckIdRequest(request)`). */
  readonly message: Message;
  /** `checkid_immediate`: the provider may not interact with the user (spec §9.2); `deny()` answers `setup_needed`. */
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

  /**
   * @internal Built by `Provider.decodeRequest()`. The spec §9 rules, in
   * order; each refusal throws the `ProtocolError` `encodeError()` answers.
   */
  constructor(message: Message, ctx: ProviderContext) {
    this.#ctx = ctx;
    this.message = message;
    // Until return_to is known to be within the realm, errors are answered with a page, never a
    // redirect to return_to: that URL may be the problem (issue 18, item 7).
    const page: ProtocolErrorContext = { indirect: true, namespace: message.namespace };
    const returnTo = message.get(OPENID_NS, 'return_to') ?? null;
    const failed = (v: RuleVerdict, realm?: string): void => {
      if (!v.ok) throw refusalError(v, page, { returnTo, realm });
    };
    const mode = checkidMode(message.get(OPENID_NS, 'mode'));
    if (!mode.ok) throw refusalError(mode, page);
    this.mode = mode.value;
    this.immediate = this.mode === 'checkid_immediate';
    if (returnTo !== null) {
      failed(returnToIsWebUrl(returnTo));
      failed(checkReturnToHasNoOpenIDArgs(returnTo));
    }
    const realmText = requestedRealm(message, returnTo);
    if (!realmText.ok) throw refusalError(realmText, page);
    const realm = realmSyntax(realmText.value);
    if (!realm.ok) throw refusalError(realm, page, { realm: realmText.value });
    failed(returnToWithinRealm(realm.value, realmText.value, returnTo), realmText.value);
    this.returnTo = returnTo;
    this.realm = realmText.value;
    // From here on errors may be sent back to return_to: it is valid and within the realm.
    const back: ProtocolErrorContext = { ...page, returnTo: returnTo ?? undefined };
    const ids = requestedIdentifiers(message);
    const pairing = message.isOpenID2() ? claimedIdWithIdentity(ids) : openID1NamesIdentity(ids);
    if (!pairing.ok) throw refusalError(pairing, back);
    this.identity = ids.identity;
    this.claimedId = ids.claimedId;
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
    const returnTo = answerHasReturnTo(this.returnTo);
    if (!returnTo.ok) throw refusalError(returnTo);
    if (this.immediate)
      throw new ProtocolError(
        'invalid_request',
        'an immediate request is not cancelled: deny() it (setup_needed)',
      );
    const m = Message.create(this.message.version);
    m.set(OPENID_NS, 'mode', 'cancel');
    return m.toURL(returnTo.value);
  }

  /**
   * The OpenID 1 `user_setup_url` python-openid builds when the app gives
   * none: this request as `checkid_setup`, at the provider's setup URL or
   * endpoint, so the user can finish there with interaction.
   */
  #setupUrlFor(options: DenyOptions): string {
    const given = options.setupUrl ?? this.#ctx.setupUrl;
    if (given) return given;
    const setup = this.message.clone();
    setup.set(OPENID_NS, 'mode', 'checkid_setup');
    return setup.toURL(options.opEndpoint ?? this.#ctx.endpoint);
  }

  /** Whether the relying party lets the provider choose the identifier (spec §9.1). */
  idSelect(): boolean {
    return isIdentifierSelect(this.identity);
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
   * if (trust.verdict === 'refuse') return checkid.deny();
   */
  evaluateTrust(): Promise<TrustEvaluation> {
    return evaluateTrust({ realm: this.realm, returnTo: this.returnTo }, this.#ctx.fetcher);
  }

  /**
   * Relying-party discovery (spec §13): the realm's XRDS must list a
   * return_to endpoint that return_to matches. Fetched through the
   * provider's SSRF-guarded fetcher. The verdict says why not: no return_to,
   * the fetch failed, the realm serves no XRDS, its XRDS lists no or other
   * return_to endpoints (see {@link ReturnToRefusalCode}).
   *
   * @example
   * const v = await checkid.verifyReturnTo();
   * if (!v.ok) log.info('return_to unverified', v.code, v.message);
   * @see OpenID 2.0 §13, §9.2.1
   */
  verifyReturnTo(): Promise<ReturnToVerdict> {
    return returnToDiscovered(this.realm, this.returnTo, this.#ctx.fetcher);
  }

  /**
   * Whether relying-party discovery confirms return_to: `verifyReturnTo()`
   * without the reason. Any failure is `false`.
   */
  async returnToVerified(): Promise<boolean> {
    return (await this.verifyReturnTo()).ok;
  }

  /**
   * A positive assertion (spec §10.1), signed when encoded: for the
   * request's identifier, or for identifier_select the one in
   * `options.identity`. Throws `ProtocolError` `identity_mismatch` when the
   * options name an identifier the request does not allow (see
   * {@link AllowOptions.switchIdentifier}), `NoReturnToError` without
   * return_to.
   *
   * @example
   * return checkid.allow(checkid.idSelect() ? { identity: 'https://op.example/id/alice' } : {});
   * @see OpenID 2.0 §10.1
   */
  allow(options: AllowOptions = {}): OPResponse {
    const returnTo = this.#answerable(options);
    const requested = { identity: this.identity, claimedId: this.claimedId };
    const idSelect = this.idSelect();
    if (idSelect) {
      const named = selectedIdentityNamed(options);
      if (!named.ok) throw refusalError(named);
    } else if (options.switchIdentifier !== true) {
      const back = { indirect: true, namespace: this.message.namespace, returnTo };
      for (const rule of [
        answerIdentityIsRequested(requested, options),
        answerClaimedIdIsRequested(requested, options),
        ownClaimedIdVouched(requested, options, this.#ctx.endpoint),
      ]) {
        if (!rule.ok) throw refusalError(rule, back);
      }
    }
    const fields = positiveAssertion({
      version: this.message.version,
      opEndpoint: options.opEndpoint ?? this.#ctx.endpoint,
      identifiers: assertedIdentifiers(requested, options, idSelect),
      returnTo,
      nonce: makeNonce(this.#ctx.now()),
    });
    return new OPResponse({
      fields,
      kind: 'indirect',
      returnTo,
      needsSigning: true,
      assocHandle: this.assocHandle,
    });
  }

  /**
   * A negative assertion (spec §10.2): `cancel`, or to an immediate request
   * `setup_needed` (OpenID 1: `id_res` with `user_setup_url`, by default
   * this request at the provider's setup URL or endpoint).
   *
   * @example
   * if ((await checkid.evaluateTrust()).verdict === 'refuse') return checkid.deny();
   * @see OpenID 2.0 §10.2
   */
  deny(options: DenyOptions = {}): OPResponse {
    const returnTo = this.#answerable(options);
    const fields = negativeAssertion(this.message.version, this.immediate, () => this.#setupUrlFor(options));
    return new OPResponse({ fields, kind: 'indirect', returnTo });
  }

  /**
   * The answer with a positional boolean: `allow(options)` when true,
   * `deny(options)` when false.
   *
   * @deprecated Use {@link CheckIDRequest.allow} or {@link CheckIDRequest.deny}.
   */
  answer(allow: boolean, options: AnswerOptions = {}): OPResponse {
    return allow ? this.allow(options) : this.deny(options);
  }

  /** The rules every answer passes first (§10): a return_to to answer to, a usable opEndpoint. */
  #answerable(options: { readonly opEndpoint?: string | undefined }): string {
    const returnTo = answerHasReturnTo(this.returnTo);
    if (!returnTo.ok) throw refusalError(returnTo);
    const endpoint = opEndpointIsWebUrl(options.opEndpoint);
    if (!endpoint.ok) throw refusalError(endpoint);
    return returnTo.value;
  }
}

/** Any request {@link Provider.decodeRequest} returns; switch on `mode`. */
export type OPRequest = AssociateRequest | CheckIDRequest | CheckAuthRequest;
