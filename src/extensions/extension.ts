/**
 * The extension contract (spec §12): one interface for every extension
 * message part, relying-party requests and provider responses alike, so a
 * third party can add an extension without touching the core.
 *
 * @example
 * class UiRequest implements Extension {
 *   readonly namespaceUri = 'http://specs.openid.net/extensions/ui/1.0';
 *   readonly preferredAlias = 'ui';
 *   toArgs() { return { mode: 'popup' }; }
 * }
 * authRequest.addExtension(new UiRequest());
 */
import type { OpenIDVersion } from '../protocol/constants.js';
import type { Message } from '../protocol/message.js';

/** A part of a message in an extension's namespace. */
export interface Extension {
  /** The extension's namespace URI. */
  readonly namespaceUri: string;
  /** The alias to use when it is free (OpenID 1 uses fixed aliases such as `sreg`). */
  readonly preferredAlias: string;
  /** The extension's arguments, named without `openid.<alias>.`. */
  toArgs(version: OpenIDVersion): Record<string, string>;
}

/**
 * Add an extension's arguments to a message, binding its namespace alias
 * (declared as `openid.ns.<alias>` in OpenID 2.0; the fixed `sreg` alias in
 * OpenID 1). Throws `ProtocolError` when the alias cannot be bound.
 */
export function addExtensionToMessage(message: Message, extension: Extension): void {
  message.ensureNamespace(extension.namespaceUri, extension.preferredAlias);
  const args = extension.toArgs(message.version);
  for (const [key, value] of Object.entries(args)) message.set(extension.namespaceUri, key, value);
}
