/**
 * Login state carried in return_to (`stateIn: 'returnTo'`, issue 24), for
 * sites with neither cookies nor sessions — as ruby-openid 1.x sites kept
 * their token in return_to. The token is the same authenticated, expiring
 * state as in a cookie; what a cookie adds and return_to cannot is the
 * browser: see docs/migrate-from-ruby-openid.md ("State in return_to").
 * Here it is made
 *
 * - used once: the store records it (its per-login nonce) the first time a
 *   response carrying it is checked, so a second use fails;
 * - bound, by default, to a value of the app's choosing that the same user
 *   presents at begin() and complete() (`bindTo`: the session id a
 *   cookie-less site carries in its URLs, the client's address, …).
 *
 * Pure functions but {@link consumeReturnToState}, which takes the store.
 */
import { toBase64Url, utf8 } from '../platform/bytes.js';
import { constantTimeEqual, hmac } from '../platform/hash.js';
import { splitNonce } from '../protocol/nonce.js';
import type { OpenIDStore } from '../stores/store.js';

/** The return_to query parameter carrying the state token. */
export const RETURN_TO_STATE_PARAM = 'openid2.state';

/** The store key under which used return_to states are recorded (not an OP endpoint). */
const USED_STATE_KEY = 'openid2:return-to-state';

/** The state token in a return_to URL, or null. */
export function stateFromReturnTo(returnTo: string | undefined): string | null {
  if (returnTo === undefined) return null;
  try {
    const all = new URL(returnTo).searchParams.getAll(RETURN_TO_STATE_PARAM);
    return all.length === 1 ? (all[0] as string) : null;
  } catch {
    return null;
  }
}

/**
 * The digest of a binding value kept in the state: keyed with the relying
 * party's secret, so the value (an address, a session id) cannot be read or
 * guessed from the token in the URL.
 */
export function bindingDigest(secret: Uint8Array, bindTo: string): string {
  return toBase64Url(hmac('sha256', secret, `openid2-binding.${bindTo}`));
}

/** Verdict of {@link checkStateBinding}. */
export type BindingCheck = { ok: true } | { ok: false; code: 'session_binding_failed'; message: string };

/**
 * The state's binding must match the value the app presents at complete():
 * a state bound at begin() and completed without (or with another) value
 * fails. A state with no binding passes.
 */
export function checkStateBinding(
  binding: string | undefined,
  bindTo: string | undefined,
  secret: Uint8Array,
): BindingCheck {
  if (binding === undefined) return { ok: true };
  if (bindTo === undefined)
    return {
      ok: false,
      code: 'session_binding_failed',
      message: 'this login was bound; complete() got no bindTo',
    };
  const a = utf8(binding);
  const b = utf8(bindingDigest(secret, bindTo));
  if (a.length !== b.length || !constantTimeEqual(a, b))
    return { ok: false, code: 'session_binding_failed', message: 'the login was started by another client' };
  return { ok: true };
}

/**
 * Record the state (by the per-login nonce in its return_to) as used.
 * **Atomic** through the store's `useNonce`: true the first time only,
 * across every process sharing the store.
 */
export async function consumeReturnToState(store: OpenIDStore, rpNonce: string): Promise<boolean> {
  const { timestamp, salt } = splitNonce(rpNonce);
  return store.useNonce(USED_STATE_KEY, timestamp, salt);
}
