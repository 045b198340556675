/**
 * The request begin() sends (spec §9): checkid_setup or checkid_immediate,
 * the identifiers of the chosen endpoint (or identifier_select), realm,
 * return_to with this login's nonce, the association handle; and the login
 * state complete() will need, as an authenticated token.
 *
 * @see OpenID 2.0 §9.1
 */
import { endpointLocalId, type ServiceEndpoint } from '../discovery/endpoints.js';
import type { Association } from '../protocol/association.js';
import { IDENTIFIER_SELECT } from '../protocol/constants.js';
import { OpenIDError } from '../protocol/errors.js';
import { Message, OPENID_NS } from '../protocol/message.js';
import { makeNonce } from '../protocol/nonce.js';
import { AuthRequest } from './auth-request.js';
import type { TriedService } from './begin-fallback.js';
import { type BeginOptions, STATE_SESSION_KEY } from './options.js';
import { withQueryParam } from './query-param.js';
import { bindingDigest, RETURN_TO_STATE_PARAM } from './return-to-state.js';
import { RP_NONCE_PARAM } from './rp-nonce.js';
import { encodeState, type LoginState } from './state.js';

/** What request building needs of the relying party's configuration; made once per instance. */
export interface RequestRules {
  /** The configured realm (`openid.realm` / `openid.trust_root`). */
  readonly realm: string;
  /** The configured return_to. */
  readonly returnTo: string;
  /** The key that authenticates state tokens. */
  readonly secret: Uint8Array;
  /** Clock, Unix seconds. */
  readonly now: () => number;
  /** `stateIn: 'returnTo'`: the state token rides in return_to. */
  readonly stateInReturnTo: boolean;
  /** With `stateInReturnTo`, refuse a begin() without `bindTo`. */
  readonly requireStateBinding: boolean;
}

/** Build the request to `endpoint` and its login state. */
export async function buildRequest(
  endpoint: ServiceEndpoint,
  association: Association | null,
  options: BeginOptions,
  tried: readonly TriedService[],
  rules: RequestRules,
): Promise<AuthRequest> {
  const returnTo = options.returnTo ?? rules.returnTo;
  const realm = options.realm ?? rules.realm;
  const m = Message.create(endpoint.version);
  const mode = options.immediate ? 'checkid_immediate' : 'checkid_setup';
  m.set(OPENID_NS, 'mode', mode);
  // A fresh nonce rides in return_to for every login (the provider signs it):
  // it binds the response to this login's state (login CSRF, SE-01), and in
  // OpenID 1, which has no response_nonce, it is also the replay nonce.
  const sentReturnTo = withQueryParam(returnTo, RP_NONCE_PARAM, makeNonce(rules.now()));
  if (endpoint.version === '2.0') {
    if (!options.anonymous) {
      const claimed = endpoint.isOpIdentifier ? IDENTIFIER_SELECT : (endpoint.claimedId ?? IDENTIFIER_SELECT);
      const identity = endpoint.isOpIdentifier ? IDENTIFIER_SELECT : (endpointLocalId(endpoint) ?? claimed);
      m.set(OPENID_NS, 'claimed_id', claimed).set(OPENID_NS, 'identity', identity);
    }
    m.set(OPENID_NS, 'realm', realm);
  } else {
    m.set(OPENID_NS, 'identity', endpointLocalId(endpoint) ?? '');
    m.set(OPENID_NS, 'trust_root', realm);
  }
  m.set(OPENID_NS, 'return_to', sentReturnTo);
  if (association) m.set(OPENID_NS, 'assoc_handle', association.handle);
  if (rules.stateInReturnTo && options.bindTo === undefined && rules.requireStateBinding) {
    throw new OpenIDError(
      'invalid_option',
      "stateIn: 'returnTo' needs bindTo on each begin() (or requireStateBinding: false, see the ruby migration guide)",
    );
  }
  const state: LoginState = {
    endpoint,
    claimedId: endpoint.isOpIdentifier ? null : endpoint.claimedId,
    returnTo: sentReturnTo,
    realm,
    issuedAt: rules.now(),
    immediate: options.immediate === true,
    anonymous: options.anonymous === true,
    ...(options.bindTo === undefined ? {} : { binding: bindingDigest(rules.secret, options.bindTo) }),
  };
  const token = encodeState(state, rules.secret);
  // The state rides in return_to: the provider echoes it back (and signs it in its answer).
  if (rules.stateInReturnTo)
    m.set(OPENID_NS, 'return_to', withQueryParam(sentReturnTo, RETURN_TO_STATE_PARAM, token));
  const auth = new AuthRequest(endpoint, m, token, association !== null, tried);
  for (const ext of options.extensions ?? []) auth.addExtension(ext);
  if (options.session) await options.session.set(STATE_SESSION_KEY, auth.state);
  return auth;
}
