/**
 * Spec §11.4: check the signature with the association held for the
 * verified endpoint, or ask that endpoint with check_authentication (§11.4.2)
 * — never an endpoint named only by the unverified message.
 */
import { trace } from '../diagnostics/index.js';
import type { ServiceEndpoint } from '../discovery/endpoints.js';
import type { Fetcher } from '../discovery/fetcher.js';
import type { Association } from '../protocol/association.js';
import { OpenIDError } from '../protocol/errors.js';
import { Message, OPENID_NS } from '../protocol/message.js';
import { verifyMessageSignature } from '../protocol/signature.js';
import type { OpenIDStore } from '../stores/store.js';
import type { CompleteFailureCode } from './failure-codes.js';

export type SignatureOutcome =
  | { ok: true; verifiedBy: 'association' | 'check_authentication' }
  | { ok: false; code: CompleteFailureCode; message: string };

export interface VerifySignatureOptions {
  store: OpenIDStore | null;
  fetcher: Fetcher;
  now: () => number;
}

export async function verifySignature(
  message: Message,
  endpoint: ServiceEndpoint,
  options: VerifySignatureOptions,
): Promise<SignatureOutcome> {
  const handle = message.get(OPENID_NS, 'assoc_handle') as string;
  let association: Association | null = null;
  if (options.store) {
    try {
      association = await options.store.getAssociation(endpoint.opEndpoint, handle);
    } catch {
      association = null; // store down: the provider can still vouch with check_authentication
    }
  }
  if (association && !association.isExpired(options.now())) {
    const r = verifyMessageSignature(message, association);
    return r.ok ? { ok: true, verifiedBy: 'association' } : { ok: false, code: r.code, message: r.message };
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
): Promise<SignatureOutcome> {
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
      return {
        ok: false,
        code: 'check_auth_failed',
        message: `check_authentication was redirected to ${res.url}`,
      };
    }
  } catch (e) {
    if (e instanceof OpenIDError) {
      // A refused plain-http endpoint says so (CA-09); anything else is "could not check".
      const code = e.code === 'insecure_transport' ? e.code : 'check_auth_failed';
      return { ok: false, code, message: `check_authentication failed: ${e.message}` };
    }
    throw e;
  }
  let answer: Message;
  try {
    answer = Message.fromKVForm(text);
  } catch {
    return {
      ok: false,
      code: 'check_auth_failed',
      message: `check_authentication answer is not key-value form (HTTP ${status})`,
    };
  }
  const invalidate = answer.get(OPENID_NS, 'invalidate_handle');
  if (invalidate && options.store) {
    await options.store.removeAssociation(endpoint.opEndpoint, invalidate).catch(() => false);
  }
  if (status === 200 && answer.get(OPENID_NS, 'is_valid') === 'true')
    return { ok: true, verifiedBy: 'check_authentication' };
  return {
    ok: false,
    code: 'check_auth_failed',
    message: 'the provider did not confirm the signature (is_valid is not true)',
  };
}
