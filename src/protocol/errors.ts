/**
 * Error classes of openid2. Every error carries a stable string `code` an
 * application can `switch` on; messages are for humans and may change.
 *
 * @example
 * try { kvform.parse(text); } catch (e) {
 *   if (e instanceof OpenIDError && e.code === 'kvform_invalid') ...
 * }
 */

import { escapeControls, redactCredentialParams } from './inert.js';

/** Options every openid2 error accepts. */
export interface OpenIDErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/** Base class of every error openid2 throws on purpose. */
export class OpenIDError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: string;

  constructor(code: string, message: string, options: OpenIDErrorOptions = {}) {
    // Backstop: a message that quotes outside input never carries a raw control character
    // (forged log lines, terminal escapes), even where a caller forgot inert().
    super(escapeControls(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Data a provider needs to answer a malformed request on the wire (spec §5.1.2.2, §5.2.3). */
export interface ProtocolErrorContext {
  /** Where an indirect error response should go, when it is safe to redirect there. */
  returnTo?: string | undefined;
  /** The request came through the browser (checkid): never answer it in key-value form. */
  indirect?: boolean | undefined;
  /** `openid.ns` of the request, to answer in the same version. */
  namespace?: string | undefined;
  /** Spec `error_code` (e.g. `unsupported-type`). */
  errorCode?: string | undefined;
  /** Extra key/value pairs for the error response (e.g. `assoc_type`, `session_type`). */
  extra?: Readonly<Record<string, string>> | undefined;
  /** Contact address, echoed as `openid.contact` (spec §5.1.2.2). */
  contact?: string | undefined;
  /** Reference token (e.g. a support ticket), echoed as `openid.reference`. */
  reference?: string | undefined;
  /**
   * The text sent on the wire (`openid.error`, the error page) instead of `message`, when `message`
   * holds what only the provider knows (who is signed in): the detail stays on the error for the
   * provider's own log, the relying party gets this.
   */
  publicMessage?: string | undefined;
}

/**
 * A message that breaks the protocol: malformed, out of bounds, or
 * inconsistent. On the provider it carries what is needed to encode the
 * error response.
 */
export class ProtocolError extends OpenIDError {
  /** What the provider needs to encode this error on the wire (spec §5.1.2.2, §5.2.3). */
  readonly context: ProtocolErrorContext;

  constructor(
    code: string,
    message: string,
    context: ProtocolErrorContext = {},
    options: OpenIDErrorOptions = {},
  ) {
    super(code, message, options);
    this.context = context;
  }
}

/** A message or operation that needs another protocol version than the one in use. */
export class VersionError extends ProtocolError {
  constructor(message: string, context: ProtocolErrorContext = {}) {
    super('version_error', message, context);
  }
}

/** A checkid request without return_to that would need one to be answered. */
export class NoReturnToError extends ProtocolError {
  constructor(message = 'the request has no openid.return_to', context: ProtocolErrorContext = {}) {
    super('no_return_to', message, context);
  }
}

/** A value that cannot be encoded in the requested form (e.g. a newline in a key-value form value). */
export class EncodingError extends OpenIDError {
  constructor(message: string, options: OpenIDErrorOptions = {}) {
    super('encoding_error', message, options);
  }
}

/** A response was signed already; signing it twice would break the signed list. */
export class AlreadySignedError extends OpenIDError {
  constructor(message = 'the response is signed already') {
    super('already_signed', message);
  }
}

/** return_to is not within the realm (trust root) of the request (spec §9.2). */
export class UntrustedReturnUrlError extends ProtocolError {
  /** The return_to URL that the realm does not cover. */
  readonly returnTo: string;
  /** The realm (trust_root) it was checked against. */
  readonly realm: string;
  constructor(returnTo: string, realm: string, context: ProtocolErrorContext = {}) {
    super('return_to_not_in_realm', `return_to ${returnTo} is not within realm ${realm}`, context);
    this.returnTo = returnTo;
    this.realm = realm;
  }
}

/** return_to is not a usable absolute URL. */
export class MalformedReturnUrlError extends ProtocolError {
  /** The value that is not an absolute http(s) URL. */
  readonly returnTo: string;
  constructor(returnTo: string, context: ProtocolErrorContext = {}) {
    super('return_to_malformed', `return_to is not a valid absolute URL: ${returnTo}`, context);
    this.returnTo = returnTo;
  }
}

/** realm / trust_root does not parse (spec §9.2). */
export class MalformedTrustRootError extends ProtocolError {
  /** The realm (trust_root) value that does not parse. */
  readonly realm: string;
  constructor(realm: string, context: ProtocolErrorContext = {}) {
    super('realm_invalid', `realm is not a valid realm: ${realm}`, context);
    this.realm = realm;
  }
}

/** Discovery of an identifier failed (spec §7.3). `code` tells why. */
export class DiscoveryError extends OpenIDError {
  /** The identifier being discovered, when known. */
  readonly identifier: string | undefined;
  constructor(code: string, message: string, identifier?: string, options: OpenIDErrorOptions = {}) {
    super(code, message, options);
    this.identifier = identifier;
  }
}

/** An HTTP fetch was refused or failed (SSRF guard, limits, network). `code` tells why. */
export class FetchError extends OpenIDError {
  /** The URL being fetched, when known. */
  readonly url: string | undefined;
  /** The HTTP status, when a response arrived. */
  readonly status: number | undefined;
  constructor(
    code: string,
    message: string,
    details: { url?: string | undefined; status?: number | undefined } = {},
    options: OpenIDErrorOptions = {},
  ) {
    // A fetched URL may carry a credential in its query (a Steam Web API key): never in an error.
    super(code, redactCredentialParams(message), options);
    this.url = details.url === undefined ? undefined : redactCredentialParams(details.url);
    this.status = details.status;
  }
}

/** A store operation failed (connection, bad input). Never carries credentials. */
export class StoreError extends OpenIDError {
  constructor(code: string, message: string, options: OpenIDErrorOptions = {}) {
    super(code, message, options);
  }
}
