/**
 * Association negotiation (spec §8) for the relying party: which (association
 * type, session type) pairs to ask for, the associate request, and the
 * processing of the provider's answer — pure functions — plus `associate()`,
 * the one I/O step, over an injected fetcher.
 */

import { describeAssociate, trace } from '../diagnostics/index.js';
import type { Fetcher } from '../discovery/fetcher.js';
import { Association } from '../protocol/association.js';
import type { AssociationType, OpenIDVersion, SessionType } from '../protocol/constants.js';
import { createConsumerSession } from '../protocol/dh.js';
import { OpenIDError } from '../protocol/errors.js';
import { Message, OPENID_NS } from '../protocol/message.js';
import { isHttpsUrl } from '../protocol/url-scheme.js';

/** One (association type, session type) pair. */
export interface AssociationPair {
  /** The MAC algorithm of the association. */
  assocType: AssociationType;
  /** How the MAC key travels: Diffie-Hellman encrypted, or in the clear over https only. */
  sessionType: SessionType;
}

/** The default preference: HMAC-SHA256 over DH-SHA256, then HMAC-SHA1 over DH-SHA1. */
export const DEFAULT_PAIRS: readonly AssociationPair[] = [
  { assocType: 'HMAC-SHA256', sessionType: 'DH-SHA256' },
  { assocType: 'HMAC-SHA1', sessionType: 'DH-SHA1' },
];

/**
 * An ordered list of allowed pairs. `no-encryption` is used only with an
 * https endpoint (the MAC key would otherwise travel in clear, spec §8.4.1).
 */
export class SessionNegotiator {
  /** The allowed pairs, most preferred first. */
  readonly pairs: readonly AssociationPair[];
  constructor(pairs: readonly AssociationPair[] = DEFAULT_PAIRS) {
    if (pairs.length === 0) throw new OpenIDError('invalid_option', 'a negotiator needs at least one pair');
    this.pairs = pairs;
  }

  /** Whether a pair may be used with `endpoint` for `version`. */
  allows(pair: AssociationPair, endpoint: string, version: OpenIDVersion): boolean {
    if (!this.pairs.some((p) => p.assocType === pair.assocType && p.sessionType === pair.sessionType))
      return false;
    if (pair.sessionType === 'no-encryption' && !isHttpsUrl(endpoint)) return false;
    // OpenID 1 knows only HMAC-SHA1 with DH-SHA1 or no encryption.
    if (version !== '2.0' && (pair.assocType !== 'HMAC-SHA1' || pair.sessionType === 'DH-SHA256'))
      return false;
    return true;
  }

  /** The first pair allowed for this endpoint, or null. */
  first(endpoint: string, version: OpenIDVersion): AssociationPair | null {
    return this.pairs.find((p) => this.allows(p, endpoint, version)) ?? null;
  }
}

/** An associate request ready to POST, and what is needed to read its answer. */
export interface AssociateRequest {
  pair: AssociationPair;
  body: URLSearchParams;
  extractMacKey(fields: Readonly<Record<string, string | undefined>>): Uint8Array;
}

/** Build the associate request for a pair (spec §8.1). */
export function buildAssociateRequest(pair: AssociationPair, version: OpenIDVersion): AssociateRequest {
  const session = createConsumerSession(pair.sessionType);
  const m = Message.create(version);
  m.set(OPENID_NS, 'mode', 'associate').set(OPENID_NS, 'assoc_type', pair.assocType);
  // OpenID 1 spells no-encryption as an absent session_type.
  if (version === '2.0' || pair.sessionType !== 'no-encryption')
    m.set(OPENID_NS, 'session_type', pair.sessionType);
  for (const [k, v] of Object.entries(session.requestArgs())) m.set(OPENID_NS, k, v);
  return {
    pair,
    body: m.toURLSearchParams(),
    extractMacKey: (f) => session.extractMacKey(f, pair.assocType),
  };
}

/** The provider's answer to an associate request. */
export type AssociateOutcome =
  | { kind: 'association'; association: Association }
  | { kind: 'unsupported'; suggestion: AssociationPair | null; message: string }
  | { kind: 'error'; code: string; message: string };

const ASSOC_TYPES = new Set(['HMAC-SHA1', 'HMAC-SHA256']);

/**
 * Longest an association from a provider is kept, in seconds (14 days, the
 * lifetime python-openid and this package's Provider grant): a larger
 * `expires_in` is clamped, so one key is not trusted for years (security
 * case AS-07).
 */
export const MAX_ASSOCIATION_LIFETIME = 14 * 24 * 3600;
const SESSION_TYPES = new Set(['no-encryption', 'DH-SHA1', 'DH-SHA256']);

/** Read the provider's key-value answer (spec §8.2). Never throws for bad input. */
export function processAssociateResponse(
  request: AssociateRequest,
  status: number,
  text: string,
  nowSeconds: number,
): AssociateOutcome {
  let fields: Record<string, string>;
  try {
    fields = Message.fromKVForm(text).toOpenIDArgs();
  } catch (e) {
    // An HTTP error page is not a malformed association: say the status.
    return {
      kind: 'error',
      code: 'assoc_response_invalid',
      message:
        status === 200
          ? e instanceof Error
            ? e.message
            : String(e)
          : `the provider answered HTTP ${status} (not a key-value form answer)`,
    };
  }
  if (fields['error_code'] === 'unsupported-type' || (status === 400 && fields['mode'] === 'error')) {
    const a = fields['assoc_type'];
    const s = fields['session_type'];
    const suggestion =
      a && s && ASSOC_TYPES.has(a) && SESSION_TYPES.has(s)
        ? { assocType: a as AssociationType, sessionType: s as SessionType }
        : null;
    if (fields['error_code'] === 'unsupported-type') {
      return { kind: 'unsupported', suggestion, message: fields['error'] ?? 'unsupported association type' };
    }
    return {
      kind: 'error',
      code: 'assoc_refused',
      message: fields['error'] ?? 'the provider refused to associate',
    };
  }
  if (status !== 200)
    return { kind: 'error', code: 'assoc_response_invalid', message: `the provider answered HTTP ${status}` };
  const want = request.pair;
  const sessionType = fields['session_type'] ?? (want.sessionType === 'no-encryption' ? 'no-encryption' : '');
  if (
    fields['assoc_type'] !== want.assocType ||
    (sessionType !== want.sessionType && !(sessionType === '' && want.sessionType === 'no-encryption'))
  ) {
    return {
      kind: 'error',
      code: 'assoc_response_invalid',
      message: 'the provider answered with another association or session type',
    };
  }
  const expiresIn = Number(fields['expires_in']);
  if (!/^\d{1,10}$/.test(fields['expires_in'] ?? '') || !Number.isSafeInteger(expiresIn)) {
    return {
      kind: 'error',
      code: 'assoc_response_invalid',
      message: 'expires_in is missing or not a whole number',
    };
  }
  try {
    const secret = request.extractMacKey(fields);
    const association = new Association({
      handle: fields['assoc_handle'] ?? '',
      secret,
      issued: nowSeconds,
      lifetime: Math.min(expiresIn, MAX_ASSOCIATION_LIFETIME),
      assocType: want.assocType,
    });
    return { kind: 'association', association };
  } catch (e) {
    if (e instanceof OpenIDError)
      return { kind: 'error', code: 'assoc_response_invalid', message: e.message };
    throw e;
  }
}

/** What `associate()` did, step by step: for logs and `openid2 associate`. */
export interface AssociateAttempt {
  pair: AssociationPair;
  outcome: AssociateOutcome['kind'];
  message?: string;
  elapsedMs: number;
}

/** Result of negotiating with one endpoint. */
export interface AssociateResult {
  /** The new association, or null when every attempt failed. */
  association: Association | null;
  /** Each request made, with its pair, outcome and time (for logs and `openid2 associate`). */
  attempts: AssociateAttempt[];
  /** Why there is no association, when there is none. */
  error?: {
    /** A stable error code, as on {@link OpenIDError}. */
    code: string;
    /** A sentence for logs. */
    message: string;
  };
  /** The pairs the provider answered `unsupported-type` to: worth not asking again for a while. */
  refused: AssociationPair[];
  /**
   * True when the endpoint could not be reached (connection refused, DNS,
   * timeout) or answered with a server error (HTTP 5xx): the provider looks
   * down, not merely unwilling to associate.
   */
  unreachable: boolean;
}

/** Options of {@link associate}. */
export interface AssociateOptions {
  fetcher: Fetcher;
  negotiator?: SessionNegotiator;
  now?: () => number;
  /** Start with this pair instead of the negotiator's first. */
  pair?: AssociationPair;
  /** Pairs not to ask for (the provider refused them recently). */
  skipPairs?: readonly AssociationPair[];
}

/** Fetch error codes that mean "the endpoint is not there", not "it said no". */
const UNREACHABLE_CODES = new Set(['fetch_failed', 'fetch_timeout']);

/** Whether two pairs are the same. */
export function samePair(a: AssociationPair, b: AssociationPair): boolean {
  return a.assocType === b.assocType && a.sessionType === b.sessionType;
}

/**
 * The pair to ask for after the provider answered `unsupported-type`
 * (spec §8.2.4): its suggestion when this side allows it and has not tried
 * it yet; otherwise this side's own next allowed pair not yet tried (e.g.
 * after HMAC-SHA256 over DH-SHA1 is suggested, which this side refuses:
 * DH-SHA1 carries only 160 bits of a 256-bit key, HMAC-SHA1 over DH-SHA1).
 * Null when nothing is left. Pure.
 */
export function nextPairAfterRefusal(
  suggestion: AssociationPair | null,
  tried: readonly AssociationPair[],
  negotiator: SessionNegotiator,
  endpoint: string,
  version: OpenIDVersion,
  skip: readonly AssociationPair[] = [],
): AssociationPair | null {
  const fresh = (p: AssociationPair) =>
    !tried.some((t) => samePair(t, p)) && !skip.some((t) => samePair(t, p));
  if (suggestion && fresh(suggestion) && negotiator.allows(suggestion, endpoint, version)) return suggestion;
  return negotiator.pairs.find((p) => fresh(p) && negotiator.allows(p, endpoint, version)) ?? null;
}

/**
 * Negotiate an association with `opEndpoint` (spec §8): the first allowed
 * pair not in `skipPairs`; on `unsupported-type`, the provider's suggestion
 * if allowed, else this side's next allowed pair, until one works or none is
 * left (at most one request per allowed pair). Never throws for network or
 * protocol trouble: the caller goes stateless.
 */
export function associate(
  opEndpoint: string,
  version: OpenIDVersion,
  options: AssociateOptions,
): Promise<AssociateResult> {
  return trace('openid2:associate', { opEndpoint, version }, async (ctx) => {
    const r = await associateUntraced(opEndpoint, version, options);
    describeAssociate(ctx, r);
    return r;
  });
}

async function associateUntraced(
  opEndpoint: string,
  version: OpenIDVersion,
  options: AssociateOptions,
): Promise<AssociateResult> {
  const negotiator = options.negotiator ?? new SessionNegotiator();
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const skip = options.skipPairs ?? [];
  const attempts: AssociateAttempt[] = [];
  const refused: AssociationPair[] = [];
  let pair =
    options.pair ??
    negotiator.pairs.find(
      (p) => negotiator.allows(p, opEndpoint, version) && !skip.some((s) => samePair(s, p)),
    ) ??
    null;
  if (!pair)
    return {
      association: null,
      attempts,
      refused,
      unreachable: false,
      error: { code: 'assoc_no_pair', message: 'no allowed association pair' },
    };
  let lastMessage = 'no pair both sides support';
  while (pair) {
    const started = performance.now();
    const request = buildAssociateRequest(pair, version);
    let outcome: AssociateOutcome;
    let unreachable = false;
    try {
      const res = await options.fetcher(opEndpoint, { method: 'POST', body: request.body });
      unreachable = res.status >= 500;
      outcome = processAssociateResponse(request, res.status, res.text(), now());
    } catch (e) {
      if (!(e instanceof OpenIDError)) throw e;
      unreachable = UNREACHABLE_CODES.has(e.code);
      outcome = { kind: 'error', code: e.code, message: e.message };
    }
    const elapsedMs = Math.round((performance.now() - started) * 10) / 10;
    attempts.push({
      pair,
      outcome: outcome.kind,
      elapsedMs,
      ...('message' in outcome ? { message: outcome.message } : {}),
    });
    if (outcome.kind === 'association')
      return { association: outcome.association, attempts, refused, unreachable: false };
    if (outcome.kind === 'error')
      return {
        association: null,
        attempts,
        refused,
        unreachable: unreachable && outcome.kind === 'error',
        error: { code: outcome.code, message: outcome.message },
      };
    refused.push(pair);
    lastMessage = outcome.message;
    pair = nextPairAfterRefusal(
      outcome.suggestion,
      attempts.map((a) => a.pair),
      negotiator,
      opEndpoint,
      version,
      skip,
    );
  }
  return {
    association: null,
    attempts,
    refused,
    unreachable: false,
    error: { code: 'assoc_unsupported', message: lastMessage },
  };
}
