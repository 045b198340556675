/**
 * A rule's refusal as the error the provider throws: the exported subclass
 * for the codes that have one (so `instanceof UntrustedReturnUrlError`
 * keeps working), a `ProtocolError` carrying the wire context otherwise.
 */
import {
  MalformedReturnUrlError,
  MalformedTrustRootError,
  NoReturnToError,
  OpenIDError,
  ProtocolError,
  type ProtocolErrorContext,
  UntrustedReturnUrlError,
} from '../protocol/errors.js';
import type { RuleRefusal } from './verdict.js';

/** The request values the subclasses carry. */
export interface RefusedValues {
  readonly returnTo?: string | null | undefined;
  readonly realm?: string | undefined;
}

/** The error for `refusal`, with `context` telling `Provider.encodeError()` how to answer it. */
export function refusalError(
  refusal: RuleRefusal,
  context: ProtocolErrorContext = {},
  values: RefusedValues = {},
): OpenIDError {
  const returnTo = values.returnTo ?? '';
  const realm = values.realm ?? '';
  switch (refusal.code) {
    case 'invalid_option':
      return new OpenIDError('invalid_option', refusal.message);
    case 'no_return_to':
      return new NoReturnToError(refusal.message, context);
    case 'return_to_malformed':
      return new MalformedReturnUrlError(returnTo, context);
    case 'realm_invalid':
      return new MalformedTrustRootError(realm, context);
    case 'return_to_not_in_realm':
      return new UntrustedReturnUrlError(returnTo, realm, context);
    default:
      return new ProtocolError(
        refusal.code,
        refusal.message,
        refusal.publicMessage === undefined ? context : { ...context, publicMessage: refusal.publicMessage },
      );
  }
}
