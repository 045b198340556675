/**
 * `openid.mode` of a request to the provider (spec §4.1.2, §8.1, §9.1,
 * §11.4.2.1): the four modes a provider answers, and the two of them a
 * checkid request may carry.
 */
import { pass, type RuleVerdict, refuse } from '../verdict.js';

/** The modes a provider answers. */
export type RequestMode = 'associate' | 'checkid_setup' | 'checkid_immediate' | 'check_authentication';
/** The modes of a checkid request (spec §9.1). */
export type CheckIDMode = 'checkid_setup' | 'checkid_immediate';

const REQUEST_MODES: readonly RequestMode[] = [
  'associate',
  'checkid_setup',
  'checkid_immediate',
  'check_authentication',
];

/**
 * The request's mode is one a provider answers; anything else is
 * `invalid_request` (a relying party's `id_res` sent to the provider
 * included).
 *
 * @example requestMode('associate') // { ok: true, value: 'associate' }
 * @see OpenID 2.0 §4.1.2
 */
export function requestMode(mode: string): RuleVerdict<RequestMode> {
  const known = REQUEST_MODES.find((m) => m === mode);
  return known === undefined ? refuse('invalid_request', `unknown openid.mode ${mode}`) : pass(known);
}

/**
 * A checkid request's mode is `checkid_setup` or `checkid_immediate`.
 *
 * @example checkidMode('checkid_immediate') // { ok: true, value: 'checkid_immediate' }
 * @see OpenID 2.0 §9.1
 */
export function checkidMode(mode: string | undefined): RuleVerdict<CheckIDMode> {
  if (mode === 'checkid_setup' || mode === 'checkid_immediate') return pass(mode);
  return refuse('invalid_request', `a checkid request has openid.mode ${mode ?? '(none)'}`);
}
