/**
 * A relying party bound to one provider (Steam is the example): the rules
 * that replace discovery when the provider is fixed, each a function with a
 * typed verdict, called by `RelyingParty` from its one §11 pipeline.
 *
 * - the provider endpoint is fixed: begin() needs no user input and sends
 *   identifier_select there; an assertion must name it as an exact string;
 * - claimed ids must match an exact (anchored) pattern, and the provider is
 *   authoritative for them: the discovered information of §11.2 is the
 *   fixed endpoint itself, with nothing fetched (so a claimed id cannot make
 *   the relying party fetch an attacker's URL, and a lookalike id has no endpoint);
 * - the answer carries exactly the listed `openid.*` fields, each once, with
 *   no control character (parameter pollution);
 * - check_authentication may need an `Origin` / `Referer` the provider expects.
 *
 * @example
 * new RelyingParty({ realm, returnTo, store, secret, fixedProvider: {
 *   opEndpoint: 'https://steamcommunity.com/openid/login',
 *   claimedIdPattern: /^https:\/\/steamcommunity\.com\/openid\/id\/(\d{17})$/,
 *   claimedIdsWithoutDiscovery: true,
 *   exactFields: { id_res: [...], cancel: ['ns', 'mode'] },
 *   checkAuthOrigin: 'https://steamcommunity.com',
 * } });
 * @see OpenID 2.0 §7.3.1 (OP identifier), §11.2 (discovered information)
 */

import type { ServiceEndpoint } from '../discovery/endpoints.js';
import type { Fetcher } from '../discovery/fetcher.js';
import { OPENID2_NS, TYPE_CLAIMED_IDENTIFIER, TYPE_OP_IDENTIFIER } from '../protocol/constants.js';
import { OpenIDError } from '../protocol/errors.js';
import { type Check, PASS, refuse } from './rules/verdict.js';

/** The `fixedProvider` option of `RelyingParty`. */
export interface FixedProviderOptions {
  /** The one OP endpoint: every login goes there with identifier_select, and `openid.op_endpoint` must equal it exactly. */
  opEndpoint: string;
  /**
   * Claimed ids this provider may assert, matched whole: the pattern must
   * start with `^` and end with `$` (an unanchored pattern is refused at
   * construction). Its first capture group is the provider's user id.
   */
  claimedIdPattern: RegExp;
  /**
   * The provider is authoritative for claimed ids matching the pattern: the
   * fixed endpoint is their discovered information, nothing is fetched.
   * Must be said explicitly; it is what skips discovery.
   */
  claimedIdsWithoutDiscovery: true;
  /**
   * The exact `openid.*` field names (without `openid.`) the provider sends,
   * by mode. A mode not listed, a field not listed, a field twice, or a
   * control character anywhere fails the login before anything else runs.
   * Omitted: no field screening.
   */
  exactFields?: Readonly<Record<string, readonly string[]>>;
  /** `Origin` (and `Referer`, with a `/`) sent with check_authentication to the endpoint. */
  checkAuthOrigin?: string;
}

/** A checked {@link FixedProviderOptions}. */
export interface FixedProvider {
  readonly opEndpoint: string;
  readonly claimedIdPattern: RegExp;
  readonly exactFields: ReadonlyMap<string, ReadonlySet<string>> | null;
  readonly checkAuthOrigin: string | null;
}

/** A rule's verdict: the relying party's one {@link Check}. */
export type FixedProviderVerdict = Check;

const OK = PASS;
const no = refuse;

/** Check the option once, at construction. Throws `OpenIDError('invalid_option')`. */
export function compileFixedProvider(options: FixedProviderOptions): FixedProvider {
  try {
    new URL(options.opEndpoint);
    if (options.checkAuthOrigin !== undefined) new URL(options.checkAuthOrigin);
  } catch (cause) {
    throw new OpenIDError(
      'invalid_option',
      'fixedProvider.opEndpoint and checkAuthOrigin must be absolute URLs',
      {
        cause,
      },
    );
  }
  const pattern = options.claimedIdPattern;
  if (!(pattern instanceof RegExp) || !pattern.source.startsWith('^') || !pattern.source.endsWith('$'))
    throw new OpenIDError('invalid_option', 'fixedProvider.claimedIdPattern must be anchored with ^ and $');
  // g and y make test() stateful (lastIndex): a second login would be judged differently.
  if (pattern.global || pattern.sticky || pattern.multiline)
    throw new OpenIDError(
      'invalid_option',
      'fixedProvider.claimedIdPattern must not use the g, y or m flags',
    );
  if (options.claimedIdsWithoutDiscovery !== true)
    throw new OpenIDError('invalid_option', 'fixedProvider.claimedIdsWithoutDiscovery must be true');
  const fields = options.exactFields
    ? new Map(Object.entries(options.exactFields).map(([mode, names]) => [mode, new Set(names)]))
    : null;
  return {
    opEndpoint: options.opEndpoint,
    claimedIdPattern: pattern,
    exactFields: fields,
    checkAuthOrigin: options.checkAuthOrigin === undefined ? null : new URL(options.checkAuthOrigin).origin,
  };
}

/** The provider's user id in a claimed id (the pattern's first group, else the whole id), or null. */
export function fixedProviderUserId(fixed: FixedProvider, claimedId: string): string | null {
  const m = fixed.claimedIdPattern.exec(claimedId);
  return m === null ? null : (m[1] ?? m[0]);
}

/** The endpoint begin() sends every user to: the OP identifier form (identifier_select). */
export function fixedLoginEndpoint(fixed: FixedProvider): ServiceEndpoint {
  return {
    version: '2.0',
    opEndpoint: fixed.opEndpoint,
    claimedId: null,
    localId: null,
    types: [TYPE_OP_IDENTIFIER],
    isOpIdentifier: true,
    source: 'xrds',
  };
}

/**
 * The discovered information (§11.2) for a claimed id, without discovery:
 * the fixed endpoint when the id matches the pattern, else none (so it
 * cannot verify).
 */
export function authoritativeEndpoints(fixed: FixedProvider, claimedId: string): readonly ServiceEndpoint[] {
  if (fixedProviderUserId(fixed, claimedId) === null) return [];
  return [
    {
      version: '2.0',
      opEndpoint: fixed.opEndpoint,
      claimedId,
      localId: claimedId,
      types: [TYPE_CLAIMED_IDENTIFIER],
      isOpIdentifier: false,
      source: 'xrds',
    },
  ];
}

/** A response body as complete() receives it (`CompleteOptions.body`): screened here, parsed by rules/response.ts. */
export type ResponseBody = string | URLSearchParams | Readonly<Record<string, unknown>> | null | undefined;

/** The response's parameters as pairs, from the body when there is one, else the query. */
function entriesOf(url: URL, body: ResponseBody): [string, unknown][] {
  if (body === undefined || body === null) return [...url.searchParams.entries()];
  if (typeof body === 'string') return [...new URLSearchParams(body).entries()];
  if (body instanceof URLSearchParams) return [...body.entries()];
  return Object.entries(body);
}

/**
 * Field screening, before any other check (fails closed): each `openid.*`
 * field once, a single string, no control character in any name or value,
 * only the fields listed for the mode, OpenID 2.0, and for id_res the fixed
 * op_endpoint exactly and a claimed id of the pattern equal to identity.
 */
export function screenFixedProviderFields(
  fixed: FixedProvider,
  url: URL,
  body: ResponseBody,
): FixedProviderVerdict {
  const seen = new Map<string, string>();
  for (const [key, value] of entriesOf(url, body)) {
    // NUL, control characters and spaces have no place in a parameter name (NS-10, UR-06).
    if (/[\x00-\x20\x7f]/.test(key))
      return no('malformed_message', 'a parameter name has a control character');
    if (!key.startsWith('openid.')) continue;
    if (typeof value !== 'string') return no('malformed_message', `${key} is not a single value`);
    if (/[\x00-\x1f\x7f]/.test(value)) return no('malformed_message', `${key} has a control character`);
    if (seen.has(key)) return no('malformed_message', `${key} appears twice`);
    seen.set(key, value);
  }
  const mode = seen.get('openid.mode');
  if (fixed.exactFields) {
    const allowed = mode === undefined ? undefined : fixed.exactFields.get(mode);
    if (!allowed) return no('malformed_message', 'not an answer this provider sends (openid.mode)');
    for (const key of seen.keys()) {
      if (!allowed.has(key.slice('openid.'.length)))
        return no('unexpected_field', `${key} is not a field this provider sends`);
    }
  }
  if (seen.get('openid.ns') !== OPENID2_NS)
    return no('ns_mismatch', 'the answer is not OpenID 2.0 (openid.ns missing or altered)');
  if (mode !== 'id_res') return OK;
  if (seen.get('openid.op_endpoint') !== fixed.opEndpoint)
    return no('untrusted_op', 'op_endpoint is not exactly the provider’s');
  const claimed = seen.get('openid.claimed_id');
  if (claimed === undefined || fixedProviderUserId(fixed, claimed) === null)
    return no('untrusted_claimed_id', 'claimed_id is not of the provider’s form');
  if (seen.get('openid.identity') !== claimed)
    return no('untrusted_claimed_id', 'identity differs from claimed_id');
  return OK;
}

/** Wrap a fetcher so check_authentication POSTs to the endpoint carry `Origin` and `Referer`. */
export function withCheckAuthOrigin(fetcher: Fetcher, opEndpoint: string, origin: string): Fetcher {
  return (url, init) => {
    if (url !== opEndpoint || init?.method !== 'POST') return fetcher(url, init);
    return fetcher(url, { ...init, headers: { ...init.headers, origin, referer: `${origin}/` } });
  };
}
