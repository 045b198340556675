/**
 * The extension contract (spec §12): one interface for every extension
 * message part, relying-party requests and provider responses alike, so a
 * third party can add an extension without touching the core.
 *
 * Writing: an extension is a plain object with a namespace URI, a preferred
 * alias and `toArgs(version)`; `addExtensionToMessage` binds the alias.
 * Reading: each extension class has a static `fromMessage(message)` (an
 * {@link ExtensionParser}); the provider reads requests with it, and the
 * relying party reads responses through {@link readSignedExtension}, which
 * only ever shows it the signed part of a verified assertion.
 *
 * @example
 * class UiRequest implements Extension {
 *   readonly namespaceUri = 'http://specs.openid.net/extensions/ui/1.0';
 *   readonly preferredAlias = 'ui';
 *   toArgs() { return { mode: 'popup' }; }
 *   static fromMessage(m: Message) { return m.get(UI_NS, 'mode') ? new UiRequest() : null; }
 * }
 * authRequest.addExtension(new UiRequest());
 * @see OpenID Authentication 2.0 §12
 */
import type { OpenIDVersion } from '../protocol/constants.js';
import { OpenIDError } from '../protocol/errors.js';
import type { Message } from '../protocol/message.js';

/** A part of a message in an extension's namespace. */
export interface Extension {
  /** The extension's namespace URI. */
  readonly namespaceUri: string;
  /** The alias to use when it is free (OpenID 1 uses fixed aliases such as `sreg`). */
  readonly preferredAlias: string;
  /**
   * The extension's arguments, named without `openid.<alias>.`. Throws a
   * `ProtocolError` (e.g. `VersionError` for an OpenID 2-only extension in an
   * OpenID 1 message) when it cannot be expressed in that version.
   */
  toArgs(version: OpenIDVersion): Record<string, string>;
}

/**
 * Reads one extension out of a message: the shape of the static
 * `fromMessage` every extension class in openid2 has. Returns null when the
 * message does not carry the extension; throws `ProtocolError` when it does
 * but the arguments are malformed.
 */
export interface ExtensionParser<T> {
  /** The extension read from a message, or null when the message does not carry it. */
  fromMessage(message: Message): T | null;
}

/**
 * A positive assertion the relying party has verified (spec §11), seen
 * through its signature: `signedMessage` holds only the signed fields
 * (`signedSubset` in the protocol core). The relying party's success result
 * has this shape; extension readers accept nothing else, so unsigned
 * extension values cannot reach the application (security case EXT-01).
 */
export interface VerifiedAssertion {
  /** Only successful, verified results qualify. */
  readonly status: 'success';
  /** Only the fields covered by the verified signature. */
  readonly signedMessage: Message;
}

/**
 * What the provider's decoded checkid request exposes to extension readers:
 * the request message as received (`CheckIDRequest.message`).
 */
export interface ExtensionRequestSource {
  /** The request message as the provider received it. */
  readonly message: Message;
}

/**
 * Outcome of reading an extension from a verified assertion. `value` is
 * null when the extension is absent from the signed fields (missing, or
 * present only in unsigned fields and therefore ignored) and, with
 * `ok: false`, when its signed arguments are malformed; `error` tells why.
 */
export type ExtensionRead<T> =
  | {
      /** The signed arguments, if any, were well formed. */
      readonly ok: true;
      /** The extension, or null when the signed fields do not carry it. */
      readonly value: T | null;
    }
  | {
      /** The signed arguments were malformed. */
      readonly ok: false;
      /** Always null when the arguments were malformed. */
      readonly value: null;
      /** Why they were refused. */
      readonly error: OpenIDError;
    };

/**
 * Add an extension's arguments to a message, binding its namespace alias
 * (declared as `openid.ns.<alias>` in OpenID 2.0; the fixed `sreg` alias in
 * OpenID 1). Throws `ProtocolError` when the alias cannot be bound or the
 * extension cannot be expressed in the message's version; the message is
 * left unchanged then.
 */
export function addExtensionToMessage(message: Message, extension: Extension): void {
  const args = extension.toArgs(message.version);
  message.ensureNamespace(extension.namespaceUri, extension.preferredAlias);
  for (const [key, value] of Object.entries(args)) message.set(extension.namespaceUri, key, value);
}

/**
 * Read an extension from the signed part of a verified assertion. Never
 * throws for what came over the wire: malformed signed arguments give
 * `{ ok: false, error }` and the login itself stands. Anything that is not a
 * success result reads as absent.
 *
 * @example
 * const read = readSignedExtension(result, AXFetchResponse);
 * if (!read.ok) log.warn(read.error.code);
 * const email = read.value?.get(AX_TYPES.email) ?? null;
 */
export function readSignedExtension<T>(
  assertion: VerifiedAssertion,
  parser: ExtensionParser<T>,
): ExtensionRead<T> {
  if (assertion?.status !== 'success' || assertion.signedMessage === undefined)
    return { ok: true, value: null };
  try {
    return { ok: true, value: parser.fromMessage(assertion.signedMessage) };
  } catch (error) {
    // Programming errors surface; protocol errors are the peer's and are reported.
    if (error instanceof OpenIDError) return { ok: false, value: null, error };
    throw error;
  }
}
