/**
 * A Diffie-Hellman associate request's values (spec §8.1.2, §8.4.2): the
 * group and the relying party's public key, checked before the provider
 * creates an association, so a refused request stores nothing.
 *
 * The range and size checks themselves live once in protocol/dh.ts, shared
 * with the relying party's half of the session; these rules turn them into
 * verdicts for the provider's pipeline.
 */

import { requestedDhGroup, requestedDhPublic } from '../../protocol/dh.js';
import type { DhGroup } from '../../protocol/dh-group.js';
import { ProtocolError } from '../../protocol/errors.js';
import { pass, type RuleVerdict, refuse } from '../verdict.js';

/** The request's fields without the `openid.` prefix. */
type Args = Readonly<Record<string, string | undefined>>;

function attempt<T>(read: () => T): RuleVerdict<T> {
  try {
    return pass(read());
  } catch (e) {
    if (e instanceof ProtocolError && e.code === 'dh_invalid') return refuse('dh_invalid', e.message);
    throw e;
  }
}

/**
 * The group: the default one when the request names none; else
 * `dh_modulus` and `dh_gen` together, canonical base64, an odd modulus of
 * 1024..2048 bits and a generator in [2, p-2], and only when the provider
 * accepts custom groups (`allowCustomModulus`, default true).
 *
 * @example dhGroup({ dh_consumer_public: '…' }, true) // { ok: true, value: <the default group> }
 * @see OpenID 2.0 §8.1.2; security cases DH-07..09
 */
export function dhGroup(args: Args, allowCustomModulus: boolean): RuleVerdict<DhGroup> {
  return attempt(() => requestedDhGroup(args, { allowCustomModulus }));
}

/**
 * `dh_consumer_public`: present, canonical base64, no longer than the
 * modulus, and in [2, p-2] (1 and p-1 would make the shared secret
 * guessable).
 *
 * @see OpenID 2.0 §8.1.2; security case DH-01
 */
export function dhConsumerPublic(args: Args, group: DhGroup): RuleVerdict<bigint> {
  return attempt(() => requestedDhPublic(args, group));
}
