/**
 * Login binding: which login this response answers. The state token begin()
 * issued (from the app's cookie or session, or — `stateIn: 'returnTo'` —
 * from return_to itself) must be authentic and unexpired, must be presented
 * with the value the login was bound to (`bindTo`), and a state carried in
 * return_to is good for one positive answer only (the store records it).
 * No token at all is no state: whether that may go on is the unsolicited
 * rule's call (solicited.ts).
 *
 * @see docs/security-cases.md SE-01 (login CSRF)
 */
import { type Message, OPENID_NS } from '../../protocol/message.js';
import type { OpenIDStore } from '../../stores/store.js';
import { checkStateBinding, consumeReturnToState, stateFromReturnTo } from '../return-to-state.js';
import { rpNonceOf } from '../rp-nonce.js';
import { decodeState, type LoginState } from '../state.js';
import type { ResponseMode } from './mode.js';
import { type Check, PASS, pass, refuse, type Verdict } from './verdict.js';

const NO_STATE: Verdict<LoginState | null> = pass(null);

/** What the login-binding rules need of the relying party's configuration; made once per instance. */
export interface LoginStateRules {
  /** The key that authenticates state tokens and binding digests. */
  readonly secret: Uint8Array;
  /** Clock, Unix seconds. */
  readonly now: () => number;
  /** Oldest state accepted, in seconds. */
  readonly maxAgeSeconds: number;
  /** `stateIn: 'returnTo'`: with no token from the app, the state is read from return_to. */
  readonly stateInReturnTo: boolean;
  /** The store that records return_to states as used (null: stateless). */
  readonly store: OpenIDStore | null;
}

/** What the app hands complete() about this browser's login. */
export interface LoginPresented {
  /** The state token from the app's cookie or session. */
  readonly state?: string | null | undefined;
  /** The value the login was bound to, presented again. */
  readonly bindTo?: string | undefined;
}

/**
 * The state token of this response: the app's, else (with `stateIn:
 * 'returnTo'`) the one return_to carries, else null.
 */
export function stateTokenOf(
  given: string | null | undefined,
  message: Message,
  stateInReturnTo: boolean,
): string | null {
  if (given) return given;
  return stateInReturnTo ? stateFromReturnTo(message.get(OPENID_NS, 'return_to')) || null : null;
}

/**
 * The login state a token carries: authentic, unexpired, and presented with
 * the value it was bound to. No token: no state (null).
 */
export function checkLoginState(
  token: string | null,
  bindTo: string | undefined,
  rules: LoginStateRules,
): Verdict<LoginState | null> {
  if (token === null) return NO_STATE;
  const decoded = decodeState(token, rules.secret, rules.now(), rules.maxAgeSeconds);
  if (!decoded.ok) return refuse(decoded.code, decoded.message);
  const bound = checkStateBinding(decoded.state.binding, bindTo, rules.secret);
  if (!bound.ok) return refuse(bound.code, bound.message);
  return pass(decoded.state);
}

/**
 * A state that came back inside return_to is used once: the store records
 * its per-login nonce the first time a positive answer carries it. A store
 * that fails refuses the login (`store_unavailable`): the nonce is this
 * relying party's own, so the error is the store's.
 */
export async function useReturnToStateOnce(state: LoginState, store: OpenIDStore): Promise<Check> {
  const rpNonce = rpNonceOf(state.returnTo);
  let fresh = false;
  try {
    fresh = rpNonce !== null && (await consumeReturnToState(store, rpNonce));
  } catch (e) {
    return refuse(
      'store_unavailable',
      `the login state could not be checked: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return fresh ? PASS : refuse('state_replayed', 'this login state was used before; start again');
}

/**
 * The login binding rules in order: the token, its state, and — for a
 * positive answer whose state came back in return_to — its single use.
 */
export async function loginStateOf(
  message: Message,
  mode: ResponseMode,
  presented: LoginPresented,
  rules: LoginStateRules,
): Promise<Verdict<LoginState | null>> {
  const token = stateTokenOf(presented.state, message, rules.stateInReturnTo);
  const login = checkLoginState(token, presented.bindTo, rules);
  if (!login.ok || login.value === null) return login;
  const inReturnTo = !presented.state;
  if (inReturnTo && mode === 'id_res' && rules.store) {
    const once = await useReturnToStateOnce(login.value, rules.store);
    if (!once.ok) return once;
  }
  return login;
}
