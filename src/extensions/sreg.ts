/**
 * Simple Registration 1.0 / 1.1: the relying party asks for a few profile
 * fields, the provider answers with the ones the user agreed to release.
 *
 * Relying party: `authRequest.addExtension(new SRegRequest({ required: ['email'] }))`,
 * then `SRegResponse.fromSuccess(result)` — signed fields only.
 * Provider: `SRegRequest.fromCheckIdRequest(request)`, then
 * `response.addExtension(SRegResponse.extractResponse(sregRequest, approvedData))`.
 *
 * In OpenID 1 messages both versions use the alias `sreg` without a
 * declaration (and a received `openid.sreg.*` reads as SReg 1.0); in OpenID 2
 * the alias is declared, and either namespace URI is understood.
 *
 * @see http://openid.net/specs/openid-simple-registration-extension-1_1-01.html
 */
import { type OpenIDVersion, SREG_1_0_NS, SREG_1_1_NS } from '../protocol/constants.js';
import { ProtocolError } from '../protocol/errors.js';
import type { Message } from '../protocol/message.js';
import {
  type Extension,
  type ExtensionRead,
  type ExtensionRequestSource,
  readSignedExtension,
  type VerifiedAssertion,
} from './extension.js';
import { isHttpUrl, splitList } from './syntax.js';

/** The nine Simple Registration fields, in the order of the spec. */
export const SREG_FIELDS = [
  'nickname',
  'email',
  'fullname',
  'dob',
  'gender',
  'postcode',
  'country',
  'language',
  'timezone',
] as const;

/** A Simple Registration field name. */
export type SRegField = (typeof SREG_FIELDS)[number];

/** Field values, keyed by field name. */
export type SRegData = Partial<Record<SRegField, string>>;

/** The two Simple Registration namespace URIs. */
export type SRegNamespace = typeof SREG_1_1_NS | typeof SREG_1_0_NS;

const FIELD_SET: ReadonlySet<string> = new Set(SREG_FIELDS);

/** Whether `name` is one of the nine Simple Registration fields. */
export function isSRegField(name: string): name is SRegField {
  return FIELD_SET.has(name);
}

function invalid(message: string): ProtocolError {
  return new ProtocolError('sreg_invalid', message);
}

function checkFields(names: Iterable<string>, what: string): SRegField[] {
  const out: SRegField[] = [];
  for (const name of names) {
    if (!isSRegField(name)) throw invalid(`${what} names an unknown field ${JSON.stringify(name)}`);
    if (out.includes(name)) throw invalid(`${what} names ${name} twice`);
    out.push(name);
  }
  return out;
}

/** The namespace a message uses for SReg: 1.1 first, then 1.0 (the implicit `sreg` of OpenID 1). */
function sregNamespaceOf(message: Message): SRegNamespace | null {
  if (message.aliasOf(SREG_1_1_NS) !== undefined) return SREG_1_1_NS;
  if (message.aliasOf(SREG_1_0_NS) !== undefined) return SREG_1_0_NS;
  return null;
}

/** Options of `new SRegRequest`. */
export interface SRegRequestOptions {
  /** Fields without which the relying party cannot complete registration. */
  required?: readonly SRegField[];
  /** Fields the relying party would like. */
  optional?: readonly SRegField[];
  /** Where the user can read how the data will be used: an absolute http(s) URL. */
  policyUrl?: string;
  /** Namespace to send; default SReg 1.1. */
  namespace?: SRegNamespace;
}

/**
 * A Simple Registration request (SReg §3). Field names are checked: an
 * unknown name, or one listed twice, is refused with `sreg_invalid`.
 *
 * @example
 * auth.addExtension(new SRegRequest({ required: ['email'], optional: ['nickname'] }));
 */
export class SRegRequest implements Extension {
  readonly namespaceUri: SRegNamespace;
  readonly preferredAlias = 'sreg';
  /** Fields without which the relying party will not complete the login (`openid.sreg.required`). */
  readonly required: readonly SRegField[];
  /** Fields the relying party would use if given (`openid.sreg.optional`). */
  readonly optional: readonly SRegField[];
  /** The policy URL, only when it is an absolute http(s) URL (security case EXT-11). */
  readonly policyUrl: string | null;

  constructor(options: SRegRequestOptions = {}) {
    this.namespaceUri = options.namespace ?? SREG_1_1_NS;
    if (this.namespaceUri !== SREG_1_1_NS && this.namespaceUri !== SREG_1_0_NS) {
      throw invalid(`not a Simple Registration namespace: ${this.namespaceUri}`);
    }
    this.required = Object.freeze(checkFields(options.required ?? [], 'required'));
    this.optional = Object.freeze(checkFields(options.optional ?? [], 'optional'));
    for (const f of this.optional) {
      if (this.required.includes(f)) throw invalid(`${f} is both required and optional`);
    }
    if (options.policyUrl !== undefined && !isHttpUrl(options.policyUrl)) {
      throw invalid('policy_url must be an absolute http(s) URL');
    }
    this.policyUrl = options.policyUrl ?? null;
  }

  /** Every requested field, required first. */
  get requested(): readonly SRegField[] {
    return [...this.required, ...this.optional];
  }

  /** Whether the relying party asked for `field`, as required or optional. */
  wasRequested(field: SRegField): boolean {
    return this.required.includes(field) || this.optional.includes(field);
  }

  /** Whether `field` was asked for as required. */
  isRequired(field: SRegField): boolean {
    return this.required.includes(field);
  }

  toArgs(_version: OpenIDVersion): Record<string, string> {
    const args: Record<string, string> = {};
    if (this.required.length > 0) args['required'] = this.required.join(',');
    if (this.optional.length > 0) args['optional'] = this.optional.join(',');
    if (this.policyUrl !== null) args['policy_url'] = this.policyUrl;
    return args;
  }

  /**
   * The request a message carries, or null when it carries none. Throws
   * `sreg_invalid` for an unknown or repeated field name. A policy URL that
   * is not an absolute http(s) URL is dropped (it would be shown to the user
   * as a link; security case EXT-11).
   */
  static fromMessage(message: Message): SRegRequest | null {
    const ns = sregNamespaceOf(message);
    if (ns === null) return null;
    const args = message.getArgs(ns);
    if (Object.keys(args).length === 0) return null;
    const policy = args['policy_url'];
    const options: SRegRequestOptions = {
      namespace: ns,
      required: checkFields(splitList(args['required'] ?? '', ','), 'required'),
      optional: checkFields(splitList(args['optional'] ?? '', ','), 'optional'),
    };
    if (policy !== undefined && isHttpUrl(policy)) options.policyUrl = policy;
    return new SRegRequest(options);
  }

  /**
   * Provider side: the request in a decoded checkid request
   * (`CheckIDRequest.message`), or null.
   *
   * @example
   * const sreg = SRegRequest.fromCheckIdRequest(request); // show sreg.requested on the consent page
   */
  static fromCheckIdRequest(request: ExtensionRequestSource): SRegRequest | null {
    return SRegRequest.fromMessage(request.message);
  }
}

const DOB = /^(\d{4})-(\d{2})-(\d{2})$/;

/** SReg §4 formats the provider must send: gender `M`/`F`, dob `YYYY-MM-DD` (zeros where unknown). */
function checkValue(field: SRegField, value: string): void {
  if (field === 'gender' && value !== 'M' && value !== 'F') throw invalid('gender must be "M" or "F"');
  if (field === 'dob') {
    const m = DOB.exec(value);
    if (!m || Number(m[2]) > 12 || Number(m[3]) > 31) throw invalid('dob must be YYYY-MM-DD');
  }
}

/**
 * A Simple Registration response (SReg §4). On the relying party it comes
 * from the signed fields of a verified assertion only.
 *
 * @example
 * const sreg = SRegResponse.fromSuccess(result);
 * const email = sreg?.get('email') ?? null;
 */
export class SRegResponse implements Extension {
  readonly namespaceUri: SRegNamespace;
  readonly preferredAlias = 'sreg';
  #data: SRegData;

  /**
   * A response with `data`. Prefer `extractResponse`, which sends only what
   * was requested. Throws `sreg_invalid` for unknown fields or badly formatted
   * `gender` / `dob`.
   */
  constructor(data: SRegData = {}, namespace: SRegNamespace = SREG_1_1_NS) {
    if (namespace !== SREG_1_1_NS && namespace !== SREG_1_0_NS) {
      throw invalid(`not a Simple Registration namespace: ${namespace}`);
    }
    this.namespaceUri = namespace;
    const copy: SRegData = {};
    for (const [field, value] of Object.entries(data)) {
      if (!isSRegField(field)) throw invalid(`unknown field ${JSON.stringify(field)}`);
      if (value === undefined) continue;
      if (typeof value !== 'string') throw invalid(`${field} must be a string`);
      checkValue(field, value);
      copy[field] = value;
    }
    this.#data = Object.freeze(copy);
  }

  /**
   * Provider side: a response holding the fields of `data` that `request`
   * asked for, and nothing else, in the request's namespace. Give it only what
   * the user approved.
   *
   * @example
   * response.addExtension(SRegResponse.extractResponse(sregRequest, { email: user.email }));
   */
  static extractResponse(request: SRegRequest, data: SRegData): SRegResponse {
    const released: SRegData = {};
    for (const field of request.requested) {
      const value = data[field];
      if (value !== undefined) released[field] = value;
    }
    return new SRegResponse(released, request.namespaceUri);
  }

  /** A field's value, or null when it was not sent. */
  get(field: SRegField): string | null {
    return this.#data[field] ?? null;
  }

  /** Every field sent, as a new object. */
  toJSON(): SRegData {
    return { ...this.#data };
  }

  toArgs(_version: OpenIDVersion): Record<string, string> {
    const args: Record<string, string> = {};
    for (const field of SREG_FIELDS) {
      const value = this.#data[field];
      if (value !== undefined) args[field] = value;
    }
    return args;
  }

  /**
   * The response a message carries, or null. Reads any message: on the
   * relying party use `fromSuccess`, never this on a raw response, or
   * unsigned values would be trusted (security case EXT-04). Arguments that
   * are not one of the nine fields are ignored; values are taken as sent.
   */
  static fromMessage(message: Message): SRegResponse | null {
    const ns = sregNamespaceOf(message);
    if (ns === null) return null;
    const data: SRegData = {};
    let any = false;
    for (const [key, value] of Object.entries(message.getArgs(ns))) {
      if (!isSRegField(key)) continue;
      data[key] = value;
      any = true;
    }
    if (!any) return null;
    const response = new SRegResponse({}, ns);
    // Received values are kept as sent: a provider's odd gender value is no reason to drop the rest.
    response.#data = Object.freeze(data);
    return response;
  }

  /**
   * Relying party: the response in the signed fields of a verified assertion,
   * or null. Unsigned `sreg` fields are invisible (EXT-04, EXT-05, EXT-06).
   */
  static fromSuccess(result: VerifiedAssertion): SRegResponse | null {
    return SRegResponse.readSuccess(result).value;
  }

  /** Like `fromSuccess`, with the reason when the signed arguments are malformed. */
  static readSuccess(result: VerifiedAssertion): ExtensionRead<SRegResponse> {
    return readSignedExtension(result, SRegResponse);
  }
}
