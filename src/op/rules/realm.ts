/**
 * The checkid request's realm (spec §9.1, §9.2; OpenID 1.1's trust_root):
 * which field names it, its default, and its syntax.
 */
import { type Message, OPENID_NS } from '../../protocol/message.js';
import { Realm } from '../../protocol/realm.js';
import { pass, type RuleVerdict, refuse } from '../verdict.js';

/**
 * The realm text: `openid.realm` in OpenID 2, `openid.trust_root` in OpenID
 * 1.x, either defaulting to return_to. A request with neither realm nor
 * return_to names no relying party to answer and is refused.
 *
 * @example requestedRealm(openid1Request, null) // reads openid.trust_root
 * @see OpenID 2.0 §9.1 (openid.realm: "MUST be sent if openid.return_to is omitted"); OpenID 1.1 §4.2.1 (trust_root)
 */
export function requestedRealm(message: Message, returnTo: string | null): RuleVerdict<string> {
  const field = message.isOpenID2() ? 'realm' : 'trust_root';
  const realm = message.get(OPENID_NS, field) ?? returnTo;
  if (realm === null) return refuse('no_return_to', 'the request has neither return_to nor realm');
  return pass(realm);
}

/**
 * The realm parses: an http(s) URL without a fragment, whose host may start
 * with one `*.` wildcard label.
 *
 * @example realmSyntax('https://*.rp.example/') // { ok: true, value: Realm }
 * @see OpenID 2.0 §9.2
 */
export function realmSyntax(realmText: string): RuleVerdict<Realm> {
  const realm = Realm.parse(realmText);
  return realm === null ? refuse('realm_invalid', `realm is not a valid realm: ${realmText}`) : pass(realm);
}
