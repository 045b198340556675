/**
 * Attribute Exchange 1.0 (OpenID 2 only): fetch and store of attributes
 * named by type URI.
 *
 * Relying party: `auth.addExtension(new AXFetchRequest().add(AX_TYPES.email, { required: true }))`,
 * then `AXFetchResponse.fromSuccess(result)?.get(AX_TYPES.email)`.
 * Provider: `AXFetchRequest.fromCheckIdRequest(request)`, then
 * `response.addExtension(AXFetchResponse.extractResponse(axRequest, approvedValues))`.
 *
 * Values are looked up by type URI, never by alias, so a rewritten alias
 * cannot pass one attribute off as another (security case EXT-02); and the
 * relying party reads only signed values (EXT-01: Google's 2011 advisory).
 *
 * @see http://openid.net/specs/openid-attribute-exchange-1_0.html
 */
import type { OpenIDVersion } from '../protocol/constants.js';
import type { Message } from '../protocol/message.js';
import {
  AXAttributeSet,
  acceptedUpdateUrl,
  axArgsOf,
  axInvalid,
  checkAlias,
  checkTypeUri,
  freshAlias,
  parseAttributeValues,
  parseTypes,
  requireOpenID2,
} from './ax-args.js';
import { AX_NS } from './ax-types.js';
import {
  type Extension,
  type ExtensionRead,
  type ExtensionRequestSource,
  readSignedExtension,
  type VerifiedAssertion,
} from './extension.js';
import { isHttpUrl, splitList } from './syntax.js';

export { AX_MODES, type AXMode, isValidAttributeAlias, MAX_AX_ALIAS_LENGTH } from './ax-args.js';
export { AXStoreRequest, AXStoreResponse } from './ax-store.js';

/** How many values of an attribute the relying party wants (AX §5.1): at least 1, or all. */
export type AXCount = number | 'unlimited';

/** One attribute of a fetch request. */
export interface AXRequestedAttribute {
  /** The attribute type URI (`openid.ax.type.<alias>`). */
  readonly typeUri: string;
  /** The alias that names it in this message. */
  readonly alias: string;
  /** How many values are wanted (`openid.ax.count.<alias>`; 1 when absent). */
  readonly count: AXCount;
  /** Listed in `openid.ax.required` rather than `if_available`. */
  readonly required: boolean;
}

/** Options of `AXFetchRequest.add`. */
export interface AXRequestAttributeOptions {
  /** Alias on the wire; default `a0`, `a1`, …. Only for readability: nothing is looked up by alias. */
  alias?: string;
  /** Values wanted; default 1. */
  count?: AXCount;
  /** `required` rather than `if_available`; default false. */
  required?: boolean;
}

function checkCount(count: AXCount): AXCount {
  if (count !== 'unlimited' && !(Number.isSafeInteger(count) && count >= 1)) {
    throw axInvalid(`count must be an integer of at least 1 or "unlimited", not ${String(count)}`);
  }
  return count;
}

/**
 * An AX fetch request (AX §5.1). Adding the same type URI twice, or an
 * alias twice, is refused with `ax_invalid`.
 *
 * @example
 * const ax = new AXFetchRequest()
 *   .add(AX_TYPES.email, { required: true })
 *   .add(AX_TYPES.nickname, { count: 'unlimited' });
 */
export class AXFetchRequest implements Extension {
  readonly namespaceUri = AX_NS;
  readonly preferredAlias = 'ax';
  readonly #attributes = new Map<string, AXRequestedAttribute>();
  readonly #aliases = new Set<string>();
  /** Where the provider may later post updated values (AX §5.1); null when not asked for. */
  readonly updateUrl: string | null;

  constructor(options: { updateUrl?: string } = {}) {
    if (options.updateUrl !== undefined && !isHttpUrl(options.updateUrl)) {
      throw axInvalid('update_url must be an absolute http(s) URL');
    }
    this.updateUrl = options.updateUrl ?? null;
  }

  /** Ask for an attribute. */
  add(typeUri: string, options: AXRequestAttributeOptions = {}): this {
    checkTypeUri(typeUri);
    if (this.#attributes.has(typeUri)) throw axInvalid(`attribute type ${typeUri} is requested twice`);
    const alias = options.alias === undefined ? freshAlias(this.#aliases, 'a') : checkAlias(options.alias);
    if (this.#aliases.has(alias)) throw axInvalid(`attribute alias ${alias} is used twice`);
    this.#aliases.add(alias);
    this.#attributes.set(typeUri, {
      typeUri,
      alias,
      count: checkCount(options.count ?? 1),
      required: options.required ?? false,
    });
    return this;
  }

  /** The requested attributes, in the order added (or received). */
  get attributes(): readonly AXRequestedAttribute[] {
    return [...this.#attributes.values()];
  }

  /** The request for one attribute type, or null. */
  get(typeUri: string): AXRequestedAttribute | null {
    return this.#attributes.get(typeUri) ?? null;
  }

  /** Whether the attribute type was requested. */
  has(typeUri: string): boolean {
    return this.#attributes.has(typeUri);
  }

  toArgs(version: OpenIDVersion): Record<string, string> {
    requireOpenID2(version);
    if (this.#attributes.size === 0) throw axInvalid('a fetch request must ask for at least one attribute');
    const args: Record<string, string> = { mode: 'fetch_request' };
    const required: string[] = [];
    const ifAvailable: string[] = [];
    for (const a of this.#attributes.values()) {
      args[`type.${a.alias}`] = a.typeUri;
      if (a.count !== 1) args[`count.${a.alias}`] = String(a.count);
      (a.required ? required : ifAvailable).push(a.alias);
    }
    if (required.length > 0) args['required'] = required.join(',');
    if (ifAvailable.length > 0) args['if_available'] = ifAvailable.join(',');
    if (this.updateUrl !== null) args['update_url'] = this.updateUrl;
    return args;
  }

  /**
   * The fetch request a message carries, or null. Throws `ax_invalid` when
   * it is malformed: bad alias, type URI not absolute or repeated, alias
   * listed without a type or in both lists, bad count, nothing requested.
   * `update_url` is kept only if it is an http(s) URL within the realm.
   * Types not listed in `required` or `if_available` are not requested.
   */
  static fromMessage(message: Message): AXFetchRequest | null {
    const args = axArgsOf(message, 'fetch_request');
    if (args === null) return null;
    const types = parseTypes(args);
    const listed = new Map<string, boolean>();
    for (const [field, required] of [
      ['required', true],
      ['if_available', false],
    ] as const) {
      for (const alias of splitList(args[field] ?? '', ',')) {
        if (!types.has(alias)) throw axInvalid(`${field} lists ${JSON.stringify(alias)}, which has no type`);
        if (listed.has(alias)) throw axInvalid(`attribute ${alias} is listed twice`);
        listed.set(alias, required);
      }
    }
    if (listed.size === 0) throw axInvalid('the fetch request asks for no attribute');
    const updateUrl = acceptedUpdateUrl(message, args['update_url']);
    const request = new AXFetchRequest(updateUrl === null ? {} : { updateUrl });
    for (const [alias, typeUri] of types) {
      const required = listed.get(alias);
      if (required === undefined) continue;
      const countText = args[`count.${alias}`];
      let count: AXCount = 1;
      if (countText !== undefined) {
        if (countText !== 'unlimited' && !/^[1-9][0-9]{0,8}$/.test(countText)) {
          throw axInvalid(`count.${alias} is not a valid count: ${JSON.stringify(countText)}`);
        }
        count = countText === 'unlimited' ? 'unlimited' : Number(countText);
      }
      request.add(typeUri, { alias, count, required });
    }
    for (const key of Object.keys(args)) {
      if (key.startsWith('count.') && !types.has(key.slice('count.'.length))) {
        throw axInvalid(`${key} has no matching type`);
      }
    }
    return request;
  }

  /** Provider side: the fetch request in a decoded checkid request (`CheckIDRequest.message`), or null. */
  static fromCheckIdRequest(request: ExtensionRequestSource): AXFetchRequest | null {
    return AXFetchRequest.fromMessage(request.message);
  }
}

/** Attribute values keyed by type URI; a string is one value. */
export type AXValues = Readonly<Record<string, string | readonly string[]>>;

/**
 * An AX fetch response (AX §5.2). On the relying party it comes only from
 * the signed fields of a verified assertion (`fromSuccess`); values are read
 * by type URI. A signed value from any provider is still only that
 * provider's claim: link accounts by email only for providers you trust for
 * that domain (security case EXT-10).
 *
 * @example
 * const ax = AXFetchResponse.fromSuccess(result);
 * const email = ax?.get([AX_TYPES.email, AX_TYPES_OPENID_NET.email]) ?? null;
 */
export class AXFetchResponse implements Extension {
  readonly namespaceUri = AX_NS;
  readonly preferredAlias = 'ax';
  readonly #set = new AXAttributeSet();
  /** The echoed `update_url`, when the provider will post updates there. */
  readonly updateUrl: string | null;

  constructor(options: { updateUrl?: string } = {}) {
    if (options.updateUrl !== undefined && !isHttpUrl(options.updateUrl)) {
      throw axInvalid('update_url must be an absolute http(s) URL');
    }
    this.updateUrl = options.updateUrl ?? null;
  }

  /**
   * Provider side: a response to `request` holding, for each requested type
   * found in `values`, at most the requested number of values, under the
   * request's alias. Types that were not requested are left out, so passing
   * a whole profile releases only what was asked; pass only what the user
   * approved (EXT-12). An empty array states "no values" (`count=0`).
   * `echoUpdateUrl` confirms the provider will send updates to the request's
   * `update_url`.
   *
   * @example
   * response.addExtension(AXFetchResponse.extractResponse(ax, { [AX_TYPES.email]: user.email }));
   */
  static extractResponse(
    request: AXFetchRequest,
    values: AXValues,
    options: { echoUpdateUrl?: boolean } = {},
  ): AXFetchResponse {
    const echo = options.echoUpdateUrl === true && request.updateUrl !== null;
    const response = new AXFetchResponse(echo ? { updateUrl: request.updateUrl as string } : {});
    for (const attr of request.attributes) {
      const given = Object.hasOwn(values, attr.typeUri) ? values[attr.typeUri] : undefined;
      if (given === undefined) continue;
      const list = typeof given === 'string' ? [given] : given;
      const limit = attr.count === 'unlimited' ? list.length : Math.min(attr.count, list.length);
      response.#set.add(attr.typeUri, list.slice(0, limit), attr.alias);
    }
    return response;
  }

  /** Add values of an attribute (e.g. for an unsolicited update). */
  add(typeUri: string, values: string | readonly string[], options: { alias?: string } = {}): this {
    this.#set.add(typeUri, values, options.alias);
    return this;
  }

  /**
   * The first value of an attribute, or null. Given several type URIs (the
   * same attribute in different vocabularies), the first one with a value.
   */
  get(typeUri: string | readonly string[]): string | null {
    return this.#set.get(typeUri);
  }

  /** Every value of an attribute (empty when absent or sent with `count=0`). */
  getAll(typeUri: string): readonly string[] {
    return this.#set.getAll(typeUri);
  }

  /** Whether the response mentions the attribute type (possibly with no values). */
  has(typeUri: string): boolean {
    return this.#set.has(typeUri);
  }

  /** Type URIs of the attributes in the response. */
  typeUris(): string[] {
    return this.#set.typeUris();
  }

  toArgs(version: OpenIDVersion): Record<string, string> {
    requireOpenID2(version);
    const args: Record<string, string> = { mode: 'fetch_response' };
    this.#set.write(args);
    if (this.updateUrl !== null) args['update_url'] = this.updateUrl;
    return args;
  }

  /**
   * The fetch response a message carries, or null; throws `ax_invalid` when
   * malformed (bad alias, repeated type URI, value without type, count that
   * does not match the values). Reads any message: on the relying party use
   * `fromSuccess`, never this on a raw response (EXT-01).
   */
  static fromMessage(message: Message): AXFetchResponse | null {
    const args = axArgsOf(message, 'fetch_response');
    if (args === null) return null;
    const updateUrl = args['update_url'];
    const response = new AXFetchResponse(
      updateUrl !== undefined && isHttpUrl(updateUrl) ? { updateUrl } : {},
    );
    for (const a of parseAttributeValues(args, { zeroCount: true, valueRequired: false })) {
      response.#set.add(a.typeUri, a.values, a.alias);
    }
    return response;
  }

  /** Relying party: the fetch response in the signed fields of a verified assertion, or null. */
  static fromSuccess(result: VerifiedAssertion): AXFetchResponse | null {
    return AXFetchResponse.readSuccess(result).value;
  }

  /** Like `fromSuccess`, with the reason when the signed arguments are malformed. */
  static readSuccess(result: VerifiedAssertion): ExtensionRead<AXFetchResponse> {
    return readSignedExtension(result, AXFetchResponse);
  }
}
