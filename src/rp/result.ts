/**
 * What `RelyingParty.complete()` returns: a discriminated union on `status`.
 * A `SuccessResult` can only be made by complete() (its constructor takes a
 * private token), so extension readers that accept it read verified data only.
 */
import type { ServiceEndpoint } from '../discovery/endpoints.js';
import type { OpenIDVersion } from '../protocol/constants.js';
import type { Message, NamespaceRef } from '../protocol/message.js';
import type { CompleteFailureCode } from './failure-codes.js';

const issued = Symbol('openid2.success');

/** A verified positive assertion. */
export class SuccessResult {
  /** Discriminant of {@link CompleteResult}. */
  readonly status = 'success' as const;
  /** The verified claimed identifier (with its fragment, if the provider sent one); null for an anonymous assertion. */
  readonly claimedId: string | null;
  /** The OP-local identifier (`openid.identity`). */
  readonly identity: string | null;
  /** The endpoint that vouched for it. */
  readonly endpoint: ServiceEndpoint;
  /** The signed fields, as listed in `openid.signed`. */
  readonly signedFields: readonly string[];
  /** How the signature was checked. */
  readonly verifiedBy: 'association' | 'check_authentication';
  /** The signed `openid.return_to` the provider sent the user back to (python-openid's `getReturnTo()`). */
  readonly returnTo: string;
  /** The protocol version of the assertion. */
  readonly version: OpenIDVersion;
  /** The signed-subset message, or the function that builds it on first read. */
  #signed: Message | (() => Message);

  /** @internal Only `RelyingParty.complete()` creates these. */
  constructor(
    token: typeof issued,
    fields: {
      claimedId: string | null;
      identity: string | null;
      endpoint: ServiceEndpoint;
      signedFields: readonly string[];
      /** The signed part, or how to make it: built on first use, since most logins never read it. */
      signedMessage: Message | (() => Message);
      verifiedBy: 'association' | 'check_authentication';
      returnTo: string;
      version: OpenIDVersion;
    },
  ) {
    if (token !== issued) throw new TypeError('SuccessResult is created by RelyingParty.complete() only');
    this.claimedId = fields.claimedId;
    this.identity = fields.identity;
    this.endpoint = fields.endpoint;
    this.signedFields = fields.signedFields;
    this.#signed = fields.signedMessage;
    this.verifiedBy = fields.verifiedBy;
    this.returnTo = fields.returnTo;
    this.version = fields.version;
  }

  /** Whether the assertion is OpenID 1.x (python-openid's `isOpenID1()`). */
  isOpenID1(): boolean {
    return this.version !== '2.0';
  }

  /**
   * The identifier to show the user: the claimed id without the fragment a
   * provider may add for identifier recycling (spec §11.5.1); null for an
   * anonymous assertion. python-openid's `getDisplayIdentifier()`.
   */
  get displayIdentifier(): string | null {
    if (this.claimedId === null) return null;
    const i = this.claimedId.indexOf('#');
    return i === -1 ? this.claimedId : this.claimedId.slice(0, i);
  }

  /**
   * The signed arguments of one extension, by namespace URI (python-openid's
   * `extensionResponse(ns_uri, require_signed=True)`): unsigned fields are
   * never included; null when the namespace has no signed field.
   */
  extensionResponse(nsUri: string): Record<string, string> | null {
    const m = this.signedMessage;
    if (m.aliasOf(nsUri) === undefined) return null;
    const args = m.getArgs(nsUri);
    return Object.keys(args).length === 0 ? null : args;
  }

  /** Only the signed part of the response: what extension readers see. */
  get signedMessage(): Message {
    if (typeof this.#signed === 'function') this.#signed = this.#signed();
    return this.#signed;
  }

  /** A signed value, or undefined when absent or unsigned. */
  getSigned(ns: NamespaceRef, key: string): string | undefined {
    return this.signedMessage.get(ns, key);
  }
}

/** @internal */
export const SUCCESS_TOKEN: typeof issued = issued;

/** Verification failed; `code` says why (stable), `message` is for logs. */
export interface FailureResult {
  /** Discriminant of {@link CompleteResult}. */
  status: 'failure';
  /** Stable reason, e.g. `bad_signature`, `nonce_replay` (every code: docs/failure-codes.md). */
  code: CompleteFailureCode;
  /** A sentence for logs; do not show it to users as is. */
  message: string;
  /**
   * The claimed id the response *asserted*, when it named one. UNVERIFIED:
   * this failure means the assertion did not pass §11 verification, so the
   * value is whatever the sender (possibly an attacker) wrote. Never treat it
   * as the user's identity, never log it as "user X failed to log in" and
   * never look an account up by it; at most log it as untrusted input.
   * (Named `claimedId` before issue 18.)
   */
  assertedClaimedId?: string;
  /** `openid.contact` of a provider's error answer (spec §5.2.3): whom to tell. Unverified text: escape it, never render it as a link. */
  contact?: string;
  /** `openid.reference` of a provider's error answer: a reference for that contact. Unverified text. */
  reference?: string;
}

/** The user cancelled at the provider. */
export interface CancelResult {
  /** Discriminant of {@link CompleteResult}. */
  status: 'cancel';
}

/** Immediate mode could not complete without the user; send them to `setupUrl` (OpenID 1) or begin() again without immediate. */
export interface SetupNeededResult {
  /** Discriminant of {@link CompleteResult}. */
  status: 'setup_needed';
  /**
   * The provider's `user_setup_url` (OpenID 1; some 2.0 providers send one too), when it gave one,
   * else null. Only ever an http(s) URL on the origin of the provider endpoint this browser's
   * immediate request went to: a setup answer without bound login state, or (1.x) naming another
   * origin, is a `failure`; a 2.0 answer naming another origin gets null here (issue 18: no open
   * redirect through setup_needed).
   */
  setupUrl: string | null;
}

/** What {@link RelyingParty.complete} returns: switch on `status`. */
export type CompleteResult = SuccessResult | FailureResult | CancelResult | SetupNeededResult;
