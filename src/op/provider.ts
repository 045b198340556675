/**
 * The OpenID provider: decode a request, let the app decide checkid
 * requests, answer associate and check_authentication itself, and encode
 * every answer for HTTP.
 *
 * @example
 * const op = new Provider({ endpoint: 'https://op.example/openid', store });
 * const request = op.decodeRequest(params);           // null: show your own page
 * if (request instanceof CheckIDRequest) {
 *   const response = request.allow({ identity: 'https://op.example/id/alice' });
 *   return op.encodeResponse(response);               // { status, headers, body }
 * }
 * if (request) return op.encodeResponse(await op.handleRequest(request));
 * @see OpenID 2.0 §8, §9, §10, §11.4.2
 */
import type { ProviderRequestContext } from '../diagnostics/index.js';
import { createDefaultFetcher } from '../discovery/default-fetcher.js';
import type { Fetcher, FetchOptions } from '../discovery/fetcher.js';
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
import { refusalError } from './rule-errors.js';
import {
  noEncryptionOnlyOverTls,
  requestedTypes,
  SUGGESTED_TYPES,
  sessionCarriesAssocType,
  supportedAssocType,
  supportedSessionType,
} from './rules/associate.js';
import { dhConsumerPublic, dhGroup } from './rules/dh-session.js';
import { requestMode } from './rules/mode.js';
import { Signatory } from './signatory.js';
import { describeProviderRequest, traceProviderRequest } from './trace.js';
import type { RuleVerdict } from './verdict.js';

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
 *     ? checkid.allow(checkid.idSelect() ? { identity: myIdentityUrl } : {})
 *     : checkid.deny(),
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
    const known = requestMode(mode);
    if (!known.ok) throw refusalError(known, { namespace: message.namespace });
    switch (known.value) {
      case 'checkid_setup':
      case 'checkid_immediate':
        return new CheckIDRequest(message, this.#ctx);
      case 'check_authentication':
        return new CheckAuthRequest(message);
      case 'associate':
        return this.#decodeAssociate(message);
    }
  }

  /**
   * The §8 rules on the request's types, in order: both present, each
   * supported, no-encryption only over TLS, the session able to carry the
   * key. A refused type is answered `unsupported-type` with the suggestion
   * (§8.2.4); the Diffie-Hellman values are checked by `handleRequest()`.
   */
  #decodeAssociate(message: Message): AssociateRequest {
    const context = { namespace: message.namespace };
    const unsupported = { ...context, errorCode: 'unsupported-type', extra: SUGGESTED_TYPES };
    const requested = requestedTypes(message);
    if (!requested.ok) throw refusalError(requested, context);
    const assocType = supportedAssocType(requested.value.assocType);
    if (!assocType.ok) throw refusalError(assocType, unsupported);
    const sessionType = supportedSessionType(requested.value.sessionType);
    if (!sessionType.ok) throw refusalError(sessionType, unsupported);
    const rules: RuleVerdict[] = [
      noEncryptionOnlyOverTls(sessionType.value, this.endpoint, this.#o.allowNoEncryptionOverHttp === true),
      sessionCarriesAssocType(sessionType.value, assocType.value),
    ];
    for (const rule of rules) if (!rule.ok) throw refusalError(rule, unsupported);
    return new AssociateRequest(message, assocType.value, sessionType.value);
  }

  /** Answer the requests the provider handles itself: associate and check_authentication. */
  async handleRequest(request: AssociateRequest | CheckAuthRequest): Promise<OPResponse> {
    if (request.mode === 'check_authentication') {
      const fields = await this.#signatory.checkAuthentication(request.message);
      return new OPResponse({ fields, kind: 'direct' });
    }
    return this.#associate(request);
  }

  /**
   * §8.4.2: a Diffie-Hellman request's group and public key are checked
   * before an association is created, so a refused request stores nothing;
   * a refusal is a direct `error` answer (HTTP 400).
   */
  async #associate(request: AssociateRequest): Promise<OPResponse> {
    const m = request.message;
    const args = m.toOpenIDArgs();
    const allowCustomModulus = this.#o.allowCustomModulus ?? true;
    if (request.sessionType !== 'no-encryption') {
      const group = dhGroup(args, allowCustomModulus);
      const refused = group.ok ? dhConsumerPublic(args, group.value) : group;
      if (!refused.ok) {
        const fields = Message.create(m.version);
        fields.set(OPENID_NS, 'mode', 'error').set(OPENID_NS, 'error', refused.message);
        return new OPResponse({ fields, kind: 'direct', status: 400 });
      }
    }
    const association = await this.#signatory.createAssociation('shared', request.assocType);
    const session = answerDiffieHellman(request.sessionType, args, association.secret, {
      allowCustomModulus,
    });
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

  /** Encode a `ProtocolError` from decodeRequest(), allow() or deny() per spec §5. */
  encodeError(error: ProtocolError): WebResponse {
    return encodeError(error, { contact: this.#o.contact, reference: this.#o.reference });
  }

  /**
   * Decode, and answer what the provider can answer itself. For checkid
   * requests, `decide` is called; it returns the response (e.g.
   * `request.allow({ identity })`). Null when there is no OpenID request.
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
