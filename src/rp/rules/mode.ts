/**
 * Mode dispatch: only `id_res` can authenticate anyone. A cancel and a
 * provider's error answer end the login with what they say; `setup_needed`
 * goes on to the setup rules; any other mode is refused.
 *
 * @see OpenID 2.0 §5.2.3 (error), §10.2 (negative assertions)
 */
import { inert } from '../../protocol/inert.js';
import { type Message, OPENID_NS } from '../../protocol/message.js';
import type { FailureResult } from '../result.js';
import { failureOf, pass, refuse, type Verdict } from './verdict.js';

/** The modes a relying party answers: every other one is refused. */
export type ResponseMode = 'id_res' | 'setup_needed' | 'cancel' | 'error';

// One verdict per mode, made once: dispatch allocates nothing.
const ID_RES = pass<ResponseMode>('id_res');
const SETUP_NEEDED = pass<ResponseMode>('setup_needed');
const CANCEL = pass<ResponseMode>('cancel');
const ERROR = pass<ResponseMode>('error');

/** `openid.mode` of a response, when it is one a relying party answers. */
export function responseMode(message: Message): Verdict<ResponseMode> {
  const mode = message.get(OPENID_NS, 'mode');
  switch (mode) {
    case 'id_res':
      return ID_RES;
    case 'setup_needed':
      return SETUP_NEEDED;
    case 'cancel':
      return CANCEL;
    case 'error':
      return ERROR;
    default:
      return refuse('malformed_message', `unexpected openid.mode ${inert(mode)}`);
  }
}

/**
 * The failure for a provider's `error` answer: its text, neutralised, and its
 * `contact` and `reference` kept for the app's error page, as python-openid's
 * FailureResponse. All unverified.
 */
export function providerError(message: Message): FailureResult {
  const contact = message.get(OPENID_NS, 'contact');
  const reference = message.get(OPENID_NS, 'reference');
  return {
    ...failureOf(refuse('op_error', `the provider said: ${inert(message.get(OPENID_NS, 'error'))}`)),
    ...(contact === undefined ? {} : { contact: plainText(contact) }),
    ...(reference === undefined ? {} : { reference: plainText(reference) }),
  };
}

/** A provider's free text as a field value: control characters become spaces, at most 500 characters. */
function plainText(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 500);
}
