/**
 * Provider Authentication Policy Extension 1.0 (OpenID 2 only): the relying
 * party states which authentication policies it prefers and how recent the
 * authentication must be; the provider states what it did.
 *
 * Relying party: `auth.addExtension(new PAPERequest({ preferredAuthPolicies: [PAPE_POLICY_MULTI_FACTOR], maxAuthAge: 600 }))`,
 * then `PAPEResponse.fromSuccess(result)` — signed fields only (EXT-07).
 * Provider: `PAPERequest.fromCheckIdRequest(request)`, then
 * `response.addExtension(PAPEResponse.extractResponse(papeRequest, { authPolicies, authTime }))`.
 *
 * @see http://openid.net/specs/openid-provider-authentication-policy-extension-1_0.html
 */
import type { OpenIDVersion } from '../protocol/constants.js';
import { ProtocolError, VersionError } from '../protocol/errors.js';
import type { Message } from '../protocol/message.js';
import {
  type Extension,
  type ExtensionRead,
  type ExtensionRequestSource,
  readSignedExtension,
  type VerifiedAssertion,
} from './extension.js';
import { isAbsoluteUri } from './syntax.js';

/** The PAPE 1.0 namespace. */
export const PAPE_NS = 'http://specs.openid.net/extensions/pape/1.0';
/** Policy: an authentication method that resists phishing (PAPE §4). */
export const PAPE_POLICY_PHISHING_RESISTANT =
  'http://schemas.openid.net/pape/policies/2007/06/phishing-resistant';
/** Policy: more than one authentication factor. */
export const PAPE_POLICY_MULTI_FACTOR = 'http://schemas.openid.net/pape/policies/2007/06/multi-factor';
/** Policy: more than one factor, one of them a physical device. */
export const PAPE_POLICY_MULTI_FACTOR_PHYSICAL =
  'http://schemas.openid.net/pape/policies/2007/06/multi-factor-physical';
/** Policy sent when no policy was met (PAPE §5.2); read back as an empty list. */
export const PAPE_POLICY_NONE = 'http://schemas.openid.net/pape/policies/2007/06/none';
/** Assurance level type: NIST SP 800-63 levels 0–4. */
export const PAPE_LEVEL_NIST = 'http://csrc.nist.gov/publications/nistpubs/800-63/SP800-63V1_0_2.pdf';
/** Assurance level type: JISA levels. */
export const PAPE_LEVEL_JISA = 'http://www.jisa.or.jp/spec/auth_level.html';

const LEVEL_ALIASES: Readonly<Record<string, string>> = {
  [PAPE_LEVEL_NIST]: 'nist',
  [PAPE_LEVEL_JISA]: 'jisa',
};

function invalid(message: string): ProtocolError {
  return new ProtocolError('pape_invalid', message);
}

function requireOpenID2(version: OpenIDVersion): void {
  if (version !== '2.0') throw new VersionError('PAPE needs OpenID 2.0');
}

function checkPolicies(policies: readonly string[], what: string): string[] {
  const out: string[] = [];
  for (const p of policies) {
    if (typeof p !== 'string' || !isAbsoluteUri(p))
      throw invalid(`${what}: ${JSON.stringify(p)} is not a URI`);
    if (!out.includes(p)) out.push(p);
  }
  return out;
}

function splitSpaces(text: string): string[] {
  return text.split(' ').filter((s) => s !== '');
}

/** Alias of an assurance level type: `auth_level.<alias>` / `auth_level.ns.<alias>`. */
function isValidLevelAlias(alias: string): boolean {
  return alias !== 'ns' && /^[\x21-\x7e]{1,64}$/.test(alias) && !/[.,:]/.test(alias);
}

/**
 * `auth_level.ns.<alias>` declarations: alias → type URI, checked (valid
 * alias, absolute URI, one alias per URI).
 */
function parseLevelNamespaces(args: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  const uris = new Set<string>();
  for (const [key, uri] of Object.entries(args)) {
    if (!key.startsWith('auth_level.ns.')) continue;
    const alias = key.slice('auth_level.ns.'.length);
    if (!isValidLevelAlias(alias))
      throw invalid(`assurance level alias ${JSON.stringify(alias)} is not allowed`);
    if (!isAbsoluteUri(uri)) throw invalid(`${key} is not a URI`);
    if (uris.has(uri)) throw invalid(`assurance level type ${uri} has two aliases`);
    uris.add(uri);
    out.set(alias, uri);
  }
  return out;
}

/** Aliases for assurance level type URIs as written: `nist`, `jisa`, else `l0`, `l1`, …. */
function levelAliases(typeUris: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  let n = 0;
  for (const uri of typeUris) {
    let alias = LEVEL_ALIASES[uri];
    if (alias === undefined || taken.has(alias)) {
      while (taken.has(`l${n}`)) n++;
      alias = `l${n}`;
    }
    taken.add(alias);
    out.set(uri, alias);
  }
  return out;
}

/** The PAPE arguments of a message, or null when absent (PAPE needs OpenID 2 namespaces). */
function papeArgs(message: Message): Record<string, string> | null {
  if (!message.isOpenID2() || message.aliasOf(PAPE_NS) === undefined) return null;
  const args = message.getArgs(PAPE_NS);
  return Object.keys(args).length === 0 ? null : args;
}

/** Options of `new PAPERequest`. */
export interface PAPERequestOptions {
  /** Policy URIs the provider should satisfy, most wanted first. */
  preferredAuthPolicies?: readonly string[];
  /** Most seconds since the user last actively authenticated. */
  maxAuthAge?: number;
  /** Assurance level types (e.g. `PAPE_LEVEL_NIST`) the relying party wants reported. */
  preferredAuthLevelTypes?: readonly string[];
}

/**
 * A PAPE request (PAPE §5.1).
 *
 * @example
 * auth.addExtension(new PAPERequest({ preferredAuthPolicies: [PAPE_POLICY_PHISHING_RESISTANT], maxAuthAge: 300 }));
 */
export class PAPERequest implements Extension {
  readonly namespaceUri = PAPE_NS;
  readonly preferredAlias = 'pape';
  /** Policy URIs the relying party prefers the provider to apply (PAPE §5.1). */
  readonly preferredAuthPolicies: readonly string[];
  /** Seconds since the user last actively authenticated, at most; null when not asked. */
  readonly maxAuthAge: number | null;
  /** Assurance level namespaces the relying party wants reported (PAPE §5.1). */
  readonly preferredAuthLevelTypes: readonly string[];

  constructor(options: PAPERequestOptions = {}) {
    this.preferredAuthPolicies = Object.freeze(
      checkPolicies(options.preferredAuthPolicies ?? [], 'preferred_auth_policies'),
    );
    const age = options.maxAuthAge;
    if (age !== undefined && !(Number.isSafeInteger(age) && age >= 0)) {
      throw invalid('max_auth_age must be a whole number of seconds');
    }
    this.maxAuthAge = age ?? null;
    this.preferredAuthLevelTypes = Object.freeze(
      checkPolicies(options.preferredAuthLevelTypes ?? [], 'preferred_auth_level_types'),
    );
  }

  toArgs(version: OpenIDVersion): Record<string, string> {
    requireOpenID2(version);
    // preferred_auth_policies is always sent, empty when the relying party only cares about age or levels.
    const args: Record<string, string> = { preferred_auth_policies: this.preferredAuthPolicies.join(' ') };
    if (this.maxAuthAge !== null) args['max_auth_age'] = String(this.maxAuthAge);
    if (this.preferredAuthLevelTypes.length > 0) {
      const aliases = levelAliases(this.preferredAuthLevelTypes);
      for (const [uri, alias] of aliases) args[`auth_level.ns.${alias}`] = uri;
      args['preferred_auth_level_types'] = [...aliases.values()].join(' ');
    }
    return args;
  }

  /**
   * The PAPE request a message carries, or null. Throws `pape_invalid` for a
   * policy that is not a URI, a `max_auth_age` that is not a whole number,
   * or a preferred level alias without its `auth_level.ns.<alias>`.
   */
  static fromMessage(message: Message): PAPERequest | null {
    const args = papeArgs(message);
    if (args === null) return null;
    const options: PAPERequestOptions = {
      preferredAuthPolicies: splitSpaces(args['preferred_auth_policies'] ?? ''),
    };
    const age = args['max_auth_age'];
    if (age !== undefined) {
      if (!/^[0-9]{1,15}$/.test(age))
        throw invalid(`max_auth_age is not a number of seconds: ${JSON.stringify(age)}`);
      options.maxAuthAge = Number(age);
    }
    const namespaces = parseLevelNamespaces(args);
    const types: string[] = [];
    for (const alias of splitSpaces(args['preferred_auth_level_types'] ?? '')) {
      const uri = namespaces.get(alias);
      if (uri === undefined)
        throw invalid(`preferred_auth_level_types names ${alias} without auth_level.ns.${alias}`);
      types.push(uri);
    }
    options.preferredAuthLevelTypes = types;
    return new PAPERequest(options);
  }

  /** Provider side: the PAPE request in a decoded checkid request (`CheckIDRequest.message`), or null. */
  static fromCheckIdRequest(request: ExtensionRequestSource): PAPERequest | null {
    return PAPERequest.fromMessage(request.message);
  }
}

const AUTH_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/**
 * Parse `auth_time` (PAPE §5.2: `YYYY-MM-DDTHH:MM:SSZ`, UTC, no fraction).
 * Returns null when the text is not in that form or not a real instant.
 */
export function parseAuthTime(text: string): Date | null {
  const m = AUTH_TIME.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  // Date.UTC rolls 02-30 over to 03-02; a round trip through the fields catches it.
  if (
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d ||
    date.getUTCHours() !== h ||
    date.getUTCMinutes() !== mi ||
    date.getUTCSeconds() !== s
  ) {
    return null;
  }
  return date;
}

/** Format an instant as PAPE `auth_time` (`YYYY-MM-DDTHH:MM:SSZ`). */
export function formatAuthTime(date: Date): string {
  const t = date.getTime();
  if (!Number.isFinite(t)) throw invalid('auth_time is not a valid date');
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw invalid('auth_time is out of range');
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Options of `new PAPEResponse`. */
export interface PAPEResponseOptions {
  /** Policy URIs the authentication satisfied; empty (sent as `PAPE_POLICY_NONE`) when none. */
  authPolicies?: readonly string[];
  /** When the user last actively authenticated (required if the request had `max_auth_age`). */
  authTime?: Date;
  /** Assurance levels by level type URI, e.g. `{ [PAPE_LEVEL_NIST]: '2' }`. */
  authLevels?: Readonly<Record<string, string>>;
}

/**
 * A PAPE response (PAPE §5.2). On the relying party it comes only from the
 * signed fields of a verified assertion: an unsigned policy claim is ignored.
 *
 * @example
 * const pape = PAPEResponse.fromSuccess(result);
 * if (!pape?.authPolicies.includes(PAPE_POLICY_MULTI_FACTOR)) denyAdmin();
 */
export class PAPEResponse implements Extension {
  readonly namespaceUri = PAPE_NS;
  readonly preferredAlias = 'pape';
  /** Policies satisfied; empty when the provider sent `none`. */
  readonly authPolicies: readonly string[];
  /** When the user last actively authenticated, or null. */
  readonly authTime: Date | null;
  /** Assurance levels by level type URI. */
  readonly authLevels: Readonly<Record<string, string>>;

  constructor(options: PAPEResponseOptions = {}) {
    const policies = checkPolicies(options.authPolicies ?? [], 'auth_policies');
    if (policies.includes(PAPE_POLICY_NONE) && policies.length > 1) {
      throw invalid('auth_policies lists "none" together with other policies');
    }
    this.authPolicies = Object.freeze(policies.filter((p) => p !== PAPE_POLICY_NONE));
    if (options.authTime !== undefined) formatAuthTime(options.authTime);
    this.authTime = options.authTime === undefined ? null : new Date(options.authTime.getTime());
    const levels: Record<string, string> = {};
    for (const [uri, level] of Object.entries(options.authLevels ?? {})) {
      if (!isAbsoluteUri(uri)) throw invalid(`assurance level type ${JSON.stringify(uri)} is not a URI`);
      if (typeof level !== 'string' || level === '') throw invalid(`assurance level for ${uri} must be text`);
      levels[uri] = level;
    }
    this.authLevels = Object.freeze(levels);
  }

  /**
   * Provider side: a response to `request`. Throws `pape_invalid` when the
   * request set `max_auth_age` and no `authTime` is given (PAPE §5.2 makes
   * it mandatory then).
   */
  static extractResponse(request: PAPERequest, options: PAPEResponseOptions): PAPEResponse {
    if (request.maxAuthAge !== null && options.authTime === undefined) {
      throw invalid('the request set max_auth_age, so the response needs authTime');
    }
    return new PAPEResponse(options);
  }

  /** The assurance level reported for a level type (e.g. `PAPE_LEVEL_NIST`), or null. */
  authLevel(typeUri: string): string | null {
    return Object.hasOwn(this.authLevels, typeUri) ? (this.authLevels[typeUri] as string) : null;
  }

  toArgs(version: OpenIDVersion): Record<string, string> {
    requireOpenID2(version);
    const args: Record<string, string> = {
      auth_policies: this.authPolicies.length === 0 ? PAPE_POLICY_NONE : this.authPolicies.join(' '),
    };
    if (this.authTime !== null) args['auth_time'] = formatAuthTime(this.authTime);
    for (const [uri, alias] of levelAliases(Object.keys(this.authLevels))) {
      args[`auth_level.ns.${alias}`] = uri;
      args[`auth_level.${alias}`] = this.authLevels[uri] as string;
    }
    return args;
  }

  /**
   * The PAPE response a message carries, or null. Throws `pape_invalid`
   * when `auth_policies` is missing or lists a non-URI, `auth_time` is not
   * `YYYY-MM-DDTHH:MM:SSZ`, or a level has no `auth_level.ns.<alias>`. The
   * pre-1.0 `nist_auth_level` is read as the NIST level. Reads any message:
   * on the relying party use `fromSuccess` (EXT-07).
   */
  static fromMessage(message: Message): PAPEResponse | null {
    const args = papeArgs(message);
    if (args === null) return null;
    const policies = args['auth_policies'];
    if (policies === undefined) throw invalid('auth_policies is missing');
    const options: PAPEResponseOptions = { authPolicies: splitSpaces(policies) };
    const time = args['auth_time'];
    if (time !== undefined) {
      const date = parseAuthTime(time);
      if (date === null) throw invalid(`auth_time is not YYYY-MM-DDTHH:MM:SSZ: ${JSON.stringify(time)}`);
      options.authTime = date;
    }
    const namespaces = parseLevelNamespaces(args);
    const levels: Record<string, string> = {};
    for (const [key, value] of Object.entries(args)) {
      if (!key.startsWith('auth_level.') || key.startsWith('auth_level.ns.')) continue;
      const alias = key.slice('auth_level.'.length);
      const uri = namespaces.get(alias);
      if (uri === undefined) throw invalid(`${key} has no auth_level.ns.${alias}`);
      levels[uri] = value;
    }
    const legacy = args['nist_auth_level'];
    if (legacy !== undefined && !Object.hasOwn(levels, PAPE_LEVEL_NIST)) {
      if (!/^[0-4]$/.test(legacy)) throw invalid('nist_auth_level must be 0 to 4');
      levels[PAPE_LEVEL_NIST] = legacy;
    }
    options.authLevels = levels;
    return new PAPEResponse(options);
  }

  /** Relying party: the PAPE response in the signed fields of a verified assertion, or null. */
  static fromSuccess(result: VerifiedAssertion): PAPEResponse | null {
    return PAPEResponse.readSuccess(result).value;
  }

  /** Like `fromSuccess`, with the reason when the signed arguments are malformed. */
  static readSuccess(result: VerifiedAssertion): ExtensionRead<PAPEResponse> {
    return readSignedExtension(result, PAPEResponse);
  }
}
