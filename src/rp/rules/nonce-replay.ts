/**
 * Spec §11.3, second half: a nonce is accepted once. It is consumed
 * atomically through the store's `useNonce`, per provider endpoint, after
 * every other rule has passed (a response that fails verification must not
 * use up its nonce). Without a store (stateless mode) nothing is recorded:
 * the relying party then relies on check_authentication, where the provider
 * refuses a signature it already confirmed (§11.4.2.1).
 *
 * @see OpenID 2.0 §11.3
 */
import { inert } from '../../protocol/inert.js';
import type { NonceParts } from '../../protocol/nonce.js';
import type { OpenIDStore } from '../../stores/store.js';
import { type Check, PASS, refuse } from './verdict.js';

/** Consume `nonce` for `opEndpoint`: `nonce_replay` when seen before, `store_unavailable` when the store fails. */
export async function useNonceOnce(
  store: OpenIDStore | null,
  opEndpoint: string,
  nonce: NonceParts,
): Promise<Check> {
  if (store === null) return PASS;
  let fresh: boolean;
  try {
    fresh = await store.useNonce(opEndpoint, nonce.timestamp, nonce.salt);
  } catch (e) {
    return refuse(
      'store_unavailable',
      `the nonce could not be checked: ${inert(e instanceof Error ? e.message : e, 600)}`,
    );
  }
  return fresh ? PASS : refuse('nonce_replay', 'this response was used before');
}
