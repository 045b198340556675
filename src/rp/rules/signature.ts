/**
 * Spec §11.4: check the signature with the association held for the
 * verified endpoint, or ask that endpoint with check_authentication (§11.4.2)
 * — never an endpoint named only by the unverified message. What passes is
 * how it was checked.
 *
 * @see OpenID 2.0 §11.4
 */
import { trace } from '../../diagnostics/index.js';
import type { ServiceEndpoint } from '../../discovery/endpoints.js';
import type { Fetcher } from '../../discovery/fetcher.js';
import type { Association } from '../../protocol/association.js';
import { OpenIDError } from '../../protocol/errors.js';
import { Message, OPENID_NS } from '../../protocol/message.js';
import { verifySignatureOver } from '../../protocol/signature.js';
import type { OpenIDStore } from '../../stores/store.js';
import { pass, refuse, type Verdict } from './verdict.js';

/** How a signature was checked: with a held association, or by the provider (check_authentication). */
export type VerifiedBy = 'association' | 'check_authentication';

/** What {@link verifySignature} needs; made once per relying party. */
export interface VerifySignatureOptions {
  /** Where associations are held (null: stateless, always check_authentication). */
  readonly store: OpenIDStore | null;
  /** The fetcher for check_authentication. */
  readonly fetcher: Fetcher;
  /** Clock, Unix seconds (association expiry). */
  readonly now: () => number;
}

const BY_ASSOCIATION = pass<VerifiedBy>('association');
const BY_CHECK_AUTHENTICATION = pass<VerifiedBy>('check_authentication');

/**
 * Verify the signature of `message` for the verified `endpoint`: locally
 * when the store holds the unexpired association `handle` names (a store that
 * fails is passed over), else by check_authentication to `endpoint`.
 * `signed` is the message's `openid.signed` as the field rules parsed it
 * (fields.ts): parsed once per login, not again here.
 */
export async function verifySignature(
  message: Message,
  endpoint: ServiceEndpoint,
  handle: string,
  signed: readonly string[],
  options: VerifySignatureOptions,
): Promise<Verdict<VerifiedBy>> {
  let association: Association | null = null;
  if (options.store) {
    try {
      association = await options.store.getAssociation(endpoint.opEndpoint, handle);
    } catch {
      association = null; // store down: the provider can still vouch with check_authentication
    }
  }
  if (association && !association.isExpired(options.now())) {
    const sig = message.get(OPENID_NS, 'sig');
    if (sig === undefined) return refuse('missing_signature', 'the message has no openid.sig');
    const r = verifySignatureOver(message, signed, sig, association);
    return r.ok ? BY_ASSOCIATION : refuse(r.code, r.message);
  }
  return trace(
    'openid2:check_authentication',
    { opEndpoint: endpoint.opEndpoint, assocHandle: handle },
    async (ctx) => {
      const r = await checkAuthentication(message, endpoint, options);
      ctx.outcome = r.ok ? 'valid' : 'invalid';
      if (!r.ok) ctx.code = r.code;
      return r;
    },
  );
}

/** Ask the provider whether it signed the message (stateless verification). */
async function checkAuthentication(
  message: Message,
  endpoint: ServiceEndpoint,
  options: VerifySignatureOptions,
): Promise<Verdict<VerifiedBy>> {
  // Only the openid.* fields go back, and only once each (parameter pollution).
  const request = Message.fromOpenIDArgs(Object.entries(message.toOpenIDArgs()));
  request.set(OPENID_NS, 'mode', 'check_authentication');
  let text: string;
  let status: number;
  try {
    const res = await options.fetcher(endpoint.opEndpoint, {
      method: 'POST',
      body: request.toURLSearchParams(),
    });
    text = res.text();
    status = res.status;
    // A direct answer comes from the verified endpoint itself: a redirect
    // elsewhere is not its word (CA-04).
    if (res.url !== new URL(endpoint.opEndpoint).href) {
      return refuse('check_auth_failed', `check_authentication was redirected to ${res.url}`);
    }
  } catch (e) {
    if (e instanceof OpenIDError) {
      // A refused plain-http endpoint says so (CA-09); anything else is "could not check".
      const code = e.code === 'insecure_transport' ? e.code : 'check_auth_failed';
      return refuse(code, `check_authentication failed: ${e.message}`);
    }
    throw e;
  }
  let answer: Message;
  try {
    answer = Message.fromKVForm(text);
  } catch {
    return refuse('check_auth_failed', `check_authentication answer is not key-value form (HTTP ${status})`);
  }
  const invalidate = answer.get(OPENID_NS, 'invalidate_handle');
  if (invalidate && options.store) {
    await options.store.removeAssociation(endpoint.opEndpoint, invalidate).catch(() => false);
  }
  if (status === 200 && answer.get(OPENID_NS, 'is_valid') === 'true') return BY_CHECK_AUTHENTICATION;
  return refuse('check_auth_failed', 'the provider did not confirm the signature (is_valid is not true)');
}
