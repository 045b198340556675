/**
 * An authentication request on its way to the provider (spec §9): the
 * checkid message, how to send it (redirect or auto-submitting form), and
 * the state token complete() needs.
 */
import type { ServiceEndpoint } from '../discovery/endpoints.js';
import { addExtensionToMessage, type Extension } from '../extensions/extension.js';
import { utf8Length } from '../platform/bytes.js';
import { MAX_REDIRECT_URL_LENGTH } from '../protocol/constants.js';
import type { FormHtmlOptions, Message } from '../protocol/message.js';
import { hideProperty, INSPECT_CUSTOM, inspectRedacted, REDACTED } from '../protocol/redact.js';

/** Built by `RelyingParty.begin()`. */
export class AuthRequest {
  /** The endpoint the user is sent to. */
  readonly endpoint: ServiceEndpoint;
  /** Opaque login state: hand it back to `complete()` (cookie or session). */
  readonly state: string;
  /** Whether an association signs the answer (false: the answer is checked with check_authentication). */
  readonly usesAssociation: boolean;
  readonly #message: Message;

  /** @internal */
  constructor(endpoint: ServiceEndpoint, message: Message, state: string, usesAssociation: boolean) {
    this.endpoint = endpoint;
    this.#message = message;
    this.state = state;
    this.usesAssociation = usesAssociation;
    // The state token authenticates this login: readable, never printed or serialized by accident.
    hideProperty(this, 'state');
  }

  /** What `JSON.stringify` writes: the endpoint and mode, never the state token. */
  toJSON(): Record<string, unknown> {
    return { endpoint: this.endpoint, usesAssociation: this.usesAssociation, state: REDACTED };
  }

  /** What `util.inspect` / `console.log` show: the {@link toJSON} view. */
  [INSPECT_CUSTOM](_depth: number, options: unknown, inspect?: (v: unknown, o: unknown) => string): string {
    return inspectRedacted('AuthRequest', this.toJSON(), options, inspect);
  }

  /** Add an extension request (SReg, AX, PAPE, or your own). Call before reading redirectUrl. */
  addExtension(extension: Extension): this {
    addExtensionToMessage(this.#message, extension);
    return this;
  }

  /** The checkid message as it stands. */
  get message(): Message {
    return this.#message.clone();
  }

  /** The provider URL carrying the request in its query. */
  get redirectUrl(): string {
    return this.#message.toURL(this.endpoint.opEndpoint);
  }

  /** True when the redirect URL fits the spec's 2047 bytes; otherwise use formHtml(). */
  shouldSendRedirect(): boolean {
    return utf8Length(this.redirectUrl) <= MAX_REDIRECT_URL_LENGTH;
  }

  /** An auto-submitting HTML form that POSTs the request to the provider (every value escaped). */
  formHtml(options: FormHtmlOptions = {}): string {
    return this.#message.toFormHtml(this.endpoint.opEndpoint, options);
  }
}
