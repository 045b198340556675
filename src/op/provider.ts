/**
 * The OpenID provider: decode a request, let the app decide checkid
 * requests, answer associate and check_authentication itself, and encode
 * every answer for HTTP.
 *
 * @example
 * const op = new Provider({ endpoint: 'https://op.example/openid', store });
 * const request = op.decodeRequest(params);           // null: show your own page
 * if (request instanceof CheckIDRequest) {
 *   const response = request.answer(true, { identity: 'https://op.example/id/alice' });
 *   return op.encodeResponse(response);               // { status, headers, body }
 * }
 * if (request) return op.encodeResponse(await op.handleRequest(request));
 * @see OpenID 2.0 §8, §9, §10, §11.4.2
 */
import type { ProviderRequestContext } from '../diagnostics/index.js';
import { createDefaultFetcher } from '../discovery/default-fetcher.js';
import type { Fetcher, FetchOptions } from '../discovery/fetcher.js';
import type { AssociationType, SessionType } from '../protocol/constants.js';
import { answerDiffieHellman } from '../protocol/dh.js';
import { OpenIDError, ProtocolError } from '../protocol/errors.js';
import { type ArgsInput, Message, OPENID_NS } from '../protocol/message.js';
import { webScheme } from '../protocol/url-scheme.js';
import type { OpenIDStore } from '../stores/store.js';
import { encodeError, encodeResponse, type WebResponse } from './encoder.js';
import {
  AssociateRequest,
  CheckAuthRequest,
  CheckIDRequest,
  type OPRequest,
  type ProviderContext,
} from './requests.js';
import { OPResponse } from './response.js';
import { Signatory } from './signatory.js';
import { describeProviderRequest, traceProviderRequest } from './trace.js';

/** Options of {@link Provider}. Only `endpoint` and `store` are required. */
export interface ProviderOptions {
  /** The provider's endpoint URL, as relying parties discover it. */
  endpoint: string;
  /** Where associations live (shared by every process of the provider). */
  store: OpenIDStore;
  /** Fetcher for relying-party discovery (SSRF-guarded by default). */
  fetcher?: Fetcher;
  /** Limits of the default fetcher (ignored when `fetcher` is given). */
  fetch?: FetchOptions;
  /** Clock in Unix seconds. */
  now?: () => number;
  /** Lifetime of shared associations, seconds. Default 14 days. */
  sharedAssociationLifetime?: number;
  /** Lifetime of private (stateless) associations, seconds. Default 14 days. */
  privateAssociationLifetime?: number;
  /** Allow `no-encryption` sessions on a plain-http endpoint (tests only). Default false. */
  allowNoEncryptionOverHttp?: boolean;
  /** Accept `dh_modulus` / `dh_gen` from relying parties (within sane bounds). Default true. */
  allowCustomModulus?: boolean;
  /** `openid.contact` / `openid.reference` on error answers. */
  contact?: string;
  /** `openid.reference` on error answers. */
  reference?: string;
  /** OpenID 1 `user_setup_url` for immediate-mode refusals. */
  setupUrl?: string;
}

const ASSOC_TYPES: readonly AssociationType[] = ['HMAC-SHA256', 'HMAC-SHA1'];
const SESSION_TYPES: readonly SessionType[] = ['DH-SHA256', 'DH-SHA1', 'no-encryption'];

/**
 * The OpenID provider. `respond()` is the whole endpoint in one call: it
 * decodes the request, answers associate and check_authentication itself,
 * calls `decide` for checkid requests, and encodes the answer (key-value
 * form, redirect or auto-submitting form) or the protocol error.
 *
 * @example
 * const op = new Provider({ endpoint: 'https://op.example/openid', store });
 * const web = await op.respond(params, (checkid) =>
 *   userTrusts(checkid.realm)
 *     ? checkid.answer(true, checkid.idSelect() ? { identity: myIdentityUrl } : {})
 *     : checkid.answer(false),
 * ); // null: not an OpenID request
 * @see OpenID 2.0 §5 (encoding), §8 (associate), §9-10 (checkid), §11.4.2 (check_authentication)
 */
export class Provider {
  /** The endpoint URL given in the options; it is `openid.op_endpoint` in every assertion. */
  readonly endpoint: string;
  /** The store holding shared and private associations. */
  readonly store: OpenIDStore;
  readonly #o: ProviderOptions;
  readonly #signatory: Signatory;
  readonly #ctx: ProviderContext;

  constructor(options: ProviderOptions) {
    if (webScheme(options.endpoint) === null) {
      throw new OpenIDError(
        'invalid_option',
        `endpoint must be an absolute http(s) URL: ${options.endpoint}`,
      );
    }
    this.endpoint = options.endpoint;
    this.store = options.store;
    this.#o = options;
    const now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.#signatory = new Signatory({
      store: options.store,
      endpoint: options.endpoint,
      now,
      sharedLifetime: options.sharedAssociationLifetime ?? 14 * 24 * 3600,
      privateLifetime: options.privateAssociationLifetime ?? 14 * 24 * 3600,
    });
    const fetcher = options.fetcher ?? createDefaultFetcher(options.fetch ?? {});
    this.#ctx = { endpoint: options.endpoint, fetcher, setupUrl: options.setupUrl, now };
  }

  /**
   * Decode a request from a GET query or POST form. Null when there is no
   * `openid.mode` (show your own page). Throws `ProtocolError` on a malformed
   * request; `encodeError()` answers it correctly.
   */
  decodeRequest(params: ArgsInput): OPRequest | null {
    const message = Message.fromPostArgs(params);
    const mode = message.get(OPENID_NS, 'mode');
    if (mode === undefined) return null;
    const ns = message.namespace;
    switch (mode) {
      case 'checkid_setup':
      case 'checkid_immediate':
        return new CheckIDRequest(message, this.#ctx);
      case 'check_authentication':
        return new CheckAuthRequest(message);
      case 'associate':
        return this.#decodeAssociate(message);
      default:
        throw new ProtocolError('invalid_request', `unknown openid.mode ${mode}`, { namespace: ns });
    }
  }

  #decodeAssociate(message: Message): AssociateRequest {
    const v2 = message.isOpenID2();
    const assocType = message.get(OPENID_NS, 'assoc_type') ?? (v2 ? undefined : 'HMAC-SHA1');
    // OpenID 1 spells no-encryption as an empty or absent session_type.
    const rawSession = message.get(OPENID_NS, 'session_type');
    const sessionType =
      rawSession === undefined || rawSession === '' ? (v2 ? undefined : 'no-encryption') : rawSession;
    const unsupported = (why: string) =>
      new ProtocolError('unsupported_type', why, {
        namespace: message.namespace,
        errorCode: 'unsupported-type',
        extra: { assoc_type: 'HMAC-SHA256', session_type: 'DH-SHA256' },
      });
    if (assocType === undefined || sessionType === undefined) {
      throw new ProtocolError('invalid_request', 'associate needs assoc_type and session_type', {
        namespace: message.namespace,
      });
    }
    if (!ASSOC_TYPES.includes(assocType as AssociationType))
      throw unsupported(`unsupported assoc_type ${assocType}`);
    if (!SESSION_TYPES.includes(sessionType as SessionType))
      throw unsupported(`unsupported session_type ${sessionType}`);
    if (
      sessionType === 'no-encryption' &&
      webScheme(this.endpoint) !== 'https' &&
      !this.#o.allowNoEncryptionOverHttp
    ) {
      throw unsupported('no-encryption sessions are refused over plain http');
    }
    if (
      (sessionType === 'DH-SHA1' && assocType !== 'HMAC-SHA1') ||
      (sessionType === 'DH-SHA256' && assocType !== 'HMAC-SHA256')
    ) {
      throw unsupported(`${sessionType} cannot carry an ${assocType} key`);
    }
    return new AssociateRequest(message, assocType as AssociationType, sessionType as SessionType);
  }

  /** Answer the requests the provider handles itself: associate and check_authentication. */
  async handleRequest(request: AssociateRequest | CheckAuthRequest): Promise<OPResponse> {
    if (request.mode === 'check_authentication') {
      const fields = await this.#signatory.checkAuthentication(request.message);
      return new OPResponse({ fields, kind: 'direct' });
    }
    return this.#associate(request);
  }

  async #associate(request: AssociateRequest): Promise<OPResponse> {
    const m = request.message;
    const association = await this.#signatory.createAssociation('shared', request.assocType);
    let session: Record<string, string>;
    try {
      session = answerDiffieHellman(request.sessionType, m.toOpenIDArgs(), association.secret, {
        allowCustomModulus: this.#o.allowCustomModulus ?? true,
      });
    } catch (e) {
      await this.store.removeAssociation(`${this.endpoint}#shared`, association.handle).catch(() => false);
      if (e instanceof ProtocolError) {
        const fields = Message.create(m.version);
        fields.set(OPENID_NS, 'mode', 'error').set(OPENID_NS, 'error', e.message);
        if (e.context.errorCode) fields.set(OPENID_NS, 'error_code', e.context.errorCode);
        return new OPResponse({ fields, kind: 'direct', status: 400 });
      }
      throw e;
    }
    const fields = Message.create(m.version);
    fields
      .set(OPENID_NS, 'assoc_handle', association.handle)
      .set(OPENID_NS, 'assoc_type', association.assocType);
    if (m.isOpenID2() || request.sessionType !== 'no-encryption')
      fields.set(OPENID_NS, 'session_type', request.sessionType);
    fields.set(OPENID_NS, 'expires_in', String(association.lifetime));
    for (const [k, v] of Object.entries(session)) fields.set(OPENID_NS, k, v);
    return new OPResponse({ fields, kind: 'direct' });
  }

  /** Sign a positive assertion now (encodeResponse does it when needed). */
  async signResponse(response: OPResponse): Promise<void> {
    await this.#signatory.sign(response);
  }

  /** Encode a response for HTTP, signing it first when it is an unsigned positive assertion. */
  async encodeResponse(response: OPResponse): Promise<WebResponse> {
    if (response.needsSigning && !response.signed) await this.#signatory.sign(response);
    return encodeResponse(response);
  }

  /** Encode a `ProtocolError` from decodeRequest() or answer() per spec §5. */
  encodeError(error: ProtocolError): WebResponse {
    return encodeError(error, { contact: this.#o.contact, reference: this.#o.reference });
  }

  /**
   * Decode, and answer what the provider can answer itself. For checkid
   * requests, `decide` is called; it returns the response (e.g.
   * `request.answer(true, { identity })`). Null when there is no OpenID request.
   */
  respond(
    params: ArgsInput,
    decide: (request: CheckIDRequest) => Promise<OPResponse> | OPResponse,
  ): Promise<WebResponse | null> {
    return traceProviderRequest(this.endpoint, (ctx) => this.#respond(params, decide, ctx));
  }

  async #respond(
    params: ArgsInput,
    decide: (request: CheckIDRequest) => Promise<OPResponse> | OPResponse,
    ctx: ProviderRequestContext,
  ): Promise<WebResponse | null> {
    let request: OPRequest | null;
    try {
      request = this.decodeRequest(params);
    } catch (e) {
      if (e instanceof ProtocolError) return this.encodeError(e);
      throw e;
    }
    if (request === null) return null;
    describeProviderRequest(ctx, request);
    try {
      const response =
        request instanceof CheckIDRequest ? await decide(request) : await this.handleRequest(request);
      return await this.encodeResponse(response);
    } catch (e) {
      if (e instanceof ProtocolError) {
        if (request instanceof CheckIDRequest && e.context.returnTo === undefined && request.returnTo) {
          return this.encodeError(
            new ProtocolError(e.code, e.message, {
              ...e.context,
              indirect: true,
              returnTo: request.returnTo,
              namespace: request.message.namespace,
            }),
          );
        }
        return this.encodeError(e);
      }
      throw e;
    }
  }
}
