/**
 * Attribute Exchange 1.0 store messages (AX §6): the relying party asks the
 * provider to keep attribute values, and the provider says whether it did.
 *
 * @see http://openid.net/specs/openid-attribute-exchange-1_0.html §6
 */
import type { OpenIDVersion } from '../protocol/constants.js';
import type { Message } from '../protocol/message.js';
import { AXAttributeSet, axArgsOf, axInvalid, parseAttributeValues, requireOpenID2 } from './ax-args.js';
import { AX_NS } from './ax-types.js';
import {
  type Extension,
  type ExtensionRead,
  type ExtensionRequestSource,
  readSignedExtension,
  type VerifiedAssertion,
} from './extension.js';

/**
 * An AX store request (AX §6.1): the relying party asks the provider to
 * keep attribute values.
 *
 * @example
 * auth.addExtension(new AXStoreRequest().add(AX_TYPES.nickname, 'bob'));
 */
export class AXStoreRequest implements Extension {
  readonly namespaceUri = AX_NS;
  readonly preferredAlias = 'ax';
  readonly #set = new AXAttributeSet();

  /** Add values to store; at least one. */
  add(typeUri: string, values: string | readonly string[], options: { alias?: string } = {}): this {
    if (typeof values !== 'string' && values.length === 0) throw axInvalid('a store request needs a value');
    this.#set.add(typeUri, values, options.alias);
    return this;
  }

  /** The first value to store for a type, or null. */
  get(typeUri: string | readonly string[]): string | null {
    return this.#set.get(typeUri);
  }

  /** Every value to store for a type. */
  getAll(typeUri: string): readonly string[] {
    return this.#set.getAll(typeUri);
  }

  /** Type URIs of the attributes to store. */
  typeUris(): string[] {
    return this.#set.typeUris();
  }

  toArgs(version: OpenIDVersion): Record<string, string> {
    requireOpenID2(version);
    const args: Record<string, string> = { mode: 'store_request' };
    this.#set.write(args);
    return args;
  }

  /** The store request a message carries, or null; throws `ax_invalid` when malformed. */
  static fromMessage(message: Message): AXStoreRequest | null {
    const args = axArgsOf(message, 'store_request');
    if (args === null) return null;
    const request = new AXStoreRequest();
    for (const a of parseAttributeValues(args, { zeroCount: false, valueRequired: true })) {
      request.#set.add(a.typeUri, a.values, a.alias);
    }
    return request;
  }

  /** Provider side: the store request in a decoded checkid request, or null. */
  static fromCheckIdRequest(request: ExtensionRequestSource): AXStoreRequest | null {
    return AXStoreRequest.fromMessage(request.message);
  }
}

/**
 * An AX store response (AX §6.2): success, or failure with an optional
 * message for the user.
 *
 * @example
 * response.addExtension(AXStoreResponse.failure('storage is full'));
 */
export class AXStoreResponse implements Extension {
  readonly namespaceUri = AX_NS;
  readonly preferredAlias = 'ax';

  private constructor(
    /** Whether the provider stored the values. */
    readonly succeeded: boolean,
    /** The provider's reason on failure (text for the user; escape before display). */
    readonly error: string | null,
  ) {}

  /** `store_response_success`. */
  static success(): AXStoreResponse {
    return new AXStoreResponse(true, null);
  }

  /** `store_response_failure`, with an optional reason. */
  static failure(error?: string): AXStoreResponse {
    return new AXStoreResponse(false, error ?? null);
  }

  toArgs(version: OpenIDVersion): Record<string, string> {
    requireOpenID2(version);
    if (this.succeeded) return { mode: 'store_response_success' };
    return this.error === null
      ? { mode: 'store_response_failure' }
      : { mode: 'store_response_failure', error: this.error };
  }

  /** The store response a message carries, or null. Reads any message: on the relying party use `fromSuccess`. */
  static fromMessage(message: Message): AXStoreResponse | null {
    if (axArgsOf(message, 'store_response_success') !== null) return AXStoreResponse.success();
    const args = axArgsOf(message, 'store_response_failure');
    return args === null ? null : AXStoreResponse.failure(args['error']);
  }

  /** Relying party: the store response in the signed fields of a verified assertion, or null. */
  static fromSuccess(result: VerifiedAssertion): AXStoreResponse | null {
    return AXStoreResponse.readSuccess(result).value;
  }

  /** Like `fromSuccess`, with the reason when the signed arguments are malformed. */
  static readSuccess(result: VerifiedAssertion): ExtensionRead<AXStoreResponse> {
    return readSignedExtension(result, AXStoreResponse);
  }
}
