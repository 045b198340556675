/**
 * An authentication request on its way to the provider (spec §9): the
 * checkid message, how to send it (redirect or auto-submitting form), and
 * the state token complete() needs.
 */
import type { ServiceEndpoint } from '../discovery/endpoints.js';
import { addExtensionToMessage, type Extension } from '../extensions/extension.js';
import { utf8Length } from '../platform/bytes.js';
import { MAX_REDIRECT_URL_LENGTH } from '../protocol/constants.js';
import { OpenIDError } from '../protocol/errors.js';
import { escapeHtml, type FormHtmlOptions, type Message } from '../protocol/message.js';
import { hideProperty, INSPECT_CUSTOM, inspectRedacted, REDACTED } from '../protocol/redact.js';
import type { TriedService } from './begin-fallback.js';

/** Options of {@link AuthRequest.formMarkup}. */
export interface FormMarkupOptions {
  /**
   * Attributes of the `<form>` element (`id`, `class`, `target`, …), as
   * python-openid's `form_tag_attrs`. `action`, `method` and `accept-charset`
   * are the request's own and cannot be overridden.
   */
  formAttributes?: Readonly<Record<string, string>>;
  /** Label of the submit button. Default "Continue". */
  submitText?: string;
}

const ATTRIBUTE_NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*$/;
const FIXED_ATTRIBUTES = new Set(['action', 'method', 'accept-charset']);

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

  /**
   * The request as a bare `<form>` (no page, no script) to place in a page
   * of your own: python-openid's `formMarkup()`. Every value is escaped;
   * an attribute name that is not a plain name throws `invalid_option`.
   */
  formMarkup(options: FormMarkupOptions = {}): string {
    const attrs: string[] = [];
    for (const [name, value] of Object.entries(options.formAttributes ?? {})) {
      if (!ATTRIBUTE_NAME.test(name))
        throw new OpenIDError('invalid_option', `not an attribute name: ${name}`);
      if (FIXED_ATTRIBUTES.has(name.toLowerCase())) continue;
      attrs.push(` ${name}="${escapeHtml(value)}"`);
    }
    const inputs = this.#message
      .entries()
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('\n');
    return `<form method="post" accept-charset="UTF-8" action="${escapeHtml(this.endpoint.opEndpoint)}"${attrs.join('')}>
${inputs}
<button type="submit">${escapeHtml(options.submitText ?? 'Continue')}</button>
</form>`;
  }

  /** An auto-submitting HTML form that POSTs the request to the provider (every value escaped). */
  formHtml(options: FormHtmlOptions = {}): string {
    return this.#message.toFormHtml(this.endpoint.opEndpoint, options);
  }
}
