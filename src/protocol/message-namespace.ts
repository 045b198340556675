/**
 * How an OpenID message names its arguments (spec §4.1.2, §12): the two
 * symbolic namespaces, the `openid.` prefix, which aliases an extension may
 * declare, and the interned `openid.<key>` wire names.
 */
import { RESERVED_ALIASES } from './constants.js';

/** Stands for "the message's own OpenID namespace" (`openid.<key>`). */
export const OPENID_NS: unique symbol = Symbol('openid2.OPENID_NS');
/** Stands for arguments outside `openid.` (e.g. the relying party's own query parameters). */
export const BARE_NS: unique symbol = Symbol('openid2.BARE_NS');
/** A namespace: an extension's URI, or one of the two symbols. */
export type NamespaceRef = string | typeof OPENID_NS | typeof BARE_NS;

/** The prefix of every argument of the OpenID protocol itself. */
export const OPENID_PREFIX = 'openid.';

/** Whether `alias` may name an extension namespace (spec §12). */
export function isValidAlias(alias: string): boolean {
  return (
    alias.length > 0 &&
    alias.length <= 64 &&
    !alias.includes('.') &&
    !alias.includes(',') &&
    /^[\x21-\x7e]+$/.test(alias) &&
    !RESERVED_ALIASES.has(alias)
  );
}

/** `openid.<key>` strings already made, so lookups reuse one string (and its cached hash). */
const wireKeys = new Map<string, string>();
/** Bounded: keys come from the network (e.g. `openid.signed`), so the cache may not grow with them. */
const WIRE_KEY_CACHE_SIZE = 512;

/**
 * `openid.` + key. A fresh concatenation would be flattened and hashed again
 * on every Map lookup; message field lookups were the largest self-time
 * entry of complete() (issue 10 profile).
 */
export function openidWireKey(key: string): string {
  let wire = wireKeys.get(key);
  if (wire === undefined) {
    wire = OPENID_PREFIX + key;
    if (wireKeys.size < WIRE_KEY_CACHE_SIZE) wireKeys.set(key, wire);
  }
  return wire;
}
