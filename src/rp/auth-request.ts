/**
 * An authentication request on its way to the provider (spec §9): the
 * checkid message, how to send it (redirect or auto-submitting form), and
 * the state token complete() needs.
 */
import type { ServiceEndpoint } from '../discovery/endpoints.js';
import { addExtensionToMessage, type Extension } from '../extensions/extension.js';
import { MAX_REDIRECT_URL_LENGTH } from '../protocol/constants.js';
import type { FormHtmlOptions, Message } from '../protocol/message.js';
import type { TriedService } from './begin-fallback.js';

/** Built by `RelyingParty.begin()`. */
export class AuthRequest {
  /** The endpoint the user is sent to. */
  readonly endpoint: ServiceEndpoint;
  /** Opaque login state: hand it back to `complete()` (cookie or session). */
  readonly state: string;
  /** Whether an association signs the answer (false: the answer is checked with check_authentication). */
  readonly usesAssociation: boolean;
  /**
   * The discovered services `begin()` considered, in order: those passed over
   * because they looked down (`outcome: 'unreachable'`, with a `code`), then
   * the one chosen.
   */
  readonly tried: readonly TriedService[];
  readonly #message: Message;

  /** @internal */
  constructor(
    endpoint: ServiceEndpoint,
    message: Message,
    state: string,
    usesAssociation: boolean,
    tried: readonly TriedService[] = [],
  ) {
    this.endpoint = endpoint;
    this.tried = tried;
    this.#message = message;
    this.state = state;
    this.usesAssociation = usesAssociation;
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
    return Buffer.byteLength(this.redirectUrl) <= MAX_REDIRECT_URL_LENGTH;
  }

  /** An auto-submitting HTML form that POSTs the request to the provider (every value escaped). */
  formHtml(options: FormHtmlOptions = {}): string {
    return this.#message.toFormHtml(this.endpoint.opEndpoint, options);
  }
}
