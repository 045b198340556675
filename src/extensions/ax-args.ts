/**
 * The argument grammar shared by Attribute Exchange messages: attribute
 * aliases, `type.<alias>`, `count.<alias>`, `value.<alias>[.<n>]`.
 * Internal: the public classes live in ax.ts.
 *
 * Parsing walks the arguments that are there and never loops up to a
 * count the peer chose, so `count.x=100000000` costs nothing (EXT-09).
 */
import type { OpenIDVersion } from '../protocol/constants.js';
import { ProtocolError, VersionError } from '../protocol/errors.js';
import { type Message, OPENID_NS } from '../protocol/message.js';
import { Realm } from '../protocol/realm.js';
import { AX_NS } from './ax-types.js';
import { isAbsoluteUri, isHttpUrl } from './syntax.js';

/** Every `openid.ax.mode` value (AX §5, §6). */
export const AX_MODES = [
  'fetch_request',
  'fetch_response',
  'store_request',
  'store_response_success',
  'store_response_failure',
] as const;
/** An `openid.ax.mode` value. */
export type AXMode = (typeof AX_MODES)[number];

/** Longest attribute alias accepted (AX requires support for at least 32). */
export const MAX_AX_ALIAS_LENGTH = 64;

/** AX declares its namespace, which OpenID 1 messages cannot do. */
export function requireOpenID2(version: OpenIDVersion): void {
  if (version !== '2.0') throw new VersionError('Attribute Exchange needs OpenID 2.0');
}

/** The error for malformed AX arguments. */
export function axInvalid(message: string): ProtocolError {
  return new ProtocolError('ax_invalid', message);
}

/**
 * Whether `alias` may name an AX attribute: printable ASCII without period,
 * comma or colon (AX §5.1), at most 64 characters.
 */
export function isValidAttributeAlias(alias: string): boolean {
  return (
    alias.length > 0 &&
    alias.length <= MAX_AX_ALIAS_LENGTH &&
    /^[\x21-\x7e]+$/.test(alias) &&
    !/[.,:]/.test(alias)
  );
}

/** `alias` if it is a valid attribute alias; throws `ax_invalid` otherwise. */
export function checkAlias(alias: string): string {
  if (!isValidAttributeAlias(alias))
    throw axInvalid(`attribute alias ${JSON.stringify(alias)} is not allowed`);
  return alias;
}

/** `typeUri` if it is an absolute URI (AX §3.2); throws `ax_invalid` otherwise. */
export function checkTypeUri(typeUri: string): string {
  if (typeof typeUri !== 'string' || !isAbsoluteUri(typeUri)) {
    throw axInvalid(`attribute type ${JSON.stringify(typeUri)} is not an absolute URI`);
  }
  return typeUri;
}

/**
 * The AX arguments of `message` if its `openid.ax.mode` is `mode`; null when
 * AX is absent, the message is OpenID 1 (AX needs declared namespaces), or
 * it is another AX message. A missing or unknown mode is `ax_invalid`.
 */
export function axArgsOf(message: Message, mode: AXMode): Record<string, string> | null {
  if (!message.isOpenID2() || message.aliasOf(AX_NS) === undefined) return null;
  const args = message.getArgs(AX_NS);
  if (Object.keys(args).length === 0) return null;
  const found = args['mode'];
  if (found === undefined) throw axInvalid('openid.ax.mode is missing');
  if (!(AX_MODES as readonly string[]).includes(found))
    throw axInvalid(`unknown AX mode ${JSON.stringify(found)}`);
  return found === mode ? args : null;
}

/** `type.<alias>` arguments in message order, checked: valid aliases, absolute URIs, no URI twice. */
export function parseTypes(args: Record<string, string>): Map<string, string> {
  const types = new Map<string, string>();
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(args)) {
    if (!key.startsWith('type.')) continue;
    const alias = checkAlias(key.slice('type.'.length));
    checkTypeUri(value);
    if (seen.has(value)) throw axInvalid(`attribute type ${value} appears twice`);
    seen.add(value);
    types.set(alias, value);
  }
  return types;
}

function declared(types: Map<string, string>, alias: string, key: string): string {
  if (!types.has(alias)) throw axInvalid(`${key} has no matching type.${alias}`);
  return alias;
}

/** An attribute with its values, as in a fetch response or store request. */
export interface ParsedAttribute {
  alias: string;
  typeUri: string;
  values: string[];
}

/**
 * Attributes with values (fetch response AX §5.2, store request §6.1).
 * With `count.<alias>`, exactly `value.<alias>.1` … `.<count>` must be
 * present; without it, at most `value.<alias>`. `zeroCount` allows
 * `count=0` (fetch response only); `valueRequired` refuses an attribute
 * without any value (store request).
 */
export function parseAttributeValues(
  args: Record<string, string>,
  options: { zeroCount: boolean; valueRequired: boolean },
): ParsedAttribute[] {
  const types = parseTypes(args);
  const counts = new Map<string, number>();
  const single = new Map<string, string>();
  const numbered = new Map<string, Map<number, string>>();
  const countSyntax = options.zeroCount ? /^(0|[1-9][0-9]*)$/ : /^[1-9][0-9]*$/;
  for (const [key, value] of Object.entries(args)) {
    if (key.startsWith('count.')) {
      const alias = declared(types, key.slice('count.'.length), key);
      if (!countSyntax.test(value)) throw axInvalid(`${key} is not a valid count: ${JSON.stringify(value)}`);
      counts.set(alias, Number(value));
    } else if (key.startsWith('value.')) {
      const rest = key.slice('value.'.length);
      const dot = rest.indexOf('.');
      if (dot === -1) {
        single.set(declared(types, rest, key), value);
        continue;
      }
      const alias = declared(types, rest.slice(0, dot), key);
      const index = rest.slice(dot + 1);
      if (!/^[1-9][0-9]{0,8}$/.test(index)) throw axInvalid(`${key} has an invalid index`);
      const byIndex = numbered.get(alias) ?? new Map<number, string>();
      numbered.set(alias, byIndex);
      byIndex.set(Number(index), value);
    }
  }
  const out: ParsedAttribute[] = [];
  for (const [alias, typeUri] of types) {
    const count = counts.get(alias);
    const byIndex = numbered.get(alias);
    let values: string[];
    if (count === undefined) {
      if (byIndex !== undefined) throw axInvalid(`value.${alias}.<n> without count.${alias}`);
      const v = single.get(alias);
      values = v === undefined ? [] : [v];
    } else {
      if (single.has(alias)) throw axInvalid(`value.${alias} used together with count.${alias}`);
      const have = byIndex?.size ?? 0;
      if (have !== count) throw axInvalid(`count.${alias} is ${count} but ${have} values were sent`);
      values = [];
      for (let i = 1; i <= have; i++) {
        const v = byIndex?.get(i);
        if (v === undefined) throw axInvalid(`value.${alias}.${i} is missing`);
        values.push(v);
      }
    }
    if (options.valueRequired && values.length === 0) throw axInvalid(`attribute ${alias} has no value`);
    out.push({ alias, typeUri, values });
  }
  return out;
}

/** Write an attribute's values: `value.<alias>` for exactly one, else `count.<alias>` and numbered values. */
export function writeAttributeValues(
  args: Record<string, string>,
  alias: string,
  values: readonly string[],
): void {
  if (values.length === 1) {
    args[`value.${alias}`] = values[0] as string;
    return;
  }
  args[`count.${alias}`] = String(values.length);
  values.forEach((v, i) => {
    args[`value.${alias}.${i + 1}`] = v;
  });
}

/** The next alias of the form `<prefix><n>` not in `taken`. */
export function freshAlias(
  taken: ReadonlySet<string> | ReadonlyMap<string, unknown>,
  prefix: string,
): string {
  for (let i = 0; ; i++) if (!taken.has(`${prefix}${i}`)) return `${prefix}${i}`;
}

/**
 * `update_url` of a received fetch request, kept only when it is an http(s)
 * URL inside the request's realm (AX §5.1); otherwise null.
 */
export function acceptedUpdateUrl(message: Message, updateUrl: string | undefined): string | null {
  if (updateUrl === undefined || !isHttpUrl(updateUrl)) return null;
  const realm = message.get(OPENID_NS, 'realm') ?? message.get(OPENID_NS, 'return_to');
  if (realm === undefined) return null;
  return Realm.parse(realm)?.validateUrl(updateUrl) ? updateUrl : null;
}

/** Attribute storage shared by fetch responses and store requests. */
export class AXAttributeSet {
  readonly #byType = new Map<string, { alias: string; values: readonly string[] }>();
  readonly #aliases = new Set<string>();

  add(typeUri: string, values: string | readonly string[], alias: string | undefined): void {
    checkTypeUri(typeUri);
    if (this.#byType.has(typeUri)) throw axInvalid(`attribute type ${typeUri} is added twice`);
    const a = alias === undefined ? freshAlias(this.#aliases, 'a') : checkAlias(alias);
    if (this.#aliases.has(a)) throw axInvalid(`attribute alias ${a} is used twice`);
    const list = typeof values === 'string' ? [values] : [...values];
    for (const v of list) if (typeof v !== 'string') throw axInvalid('attribute values must be strings');
    this.#aliases.add(a);
    this.#byType.set(typeUri, { alias: a, values: Object.freeze(list) });
  }

  get(typeUri: string | readonly string[]): string | null {
    for (const t of typeof typeUri === 'string' ? [typeUri] : typeUri) {
      const v = this.#byType.get(t)?.values[0];
      if (v !== undefined) return v;
    }
    return null;
  }

  getAll(typeUri: string): readonly string[] {
    return this.#byType.get(typeUri)?.values ?? [];
  }

  has(typeUri: string): boolean {
    return this.#byType.has(typeUri);
  }

  typeUris(): string[] {
    return [...this.#byType.keys()];
  }

  write(args: Record<string, string>): void {
    for (const [typeUri, { alias, values }] of this.#byType) {
      args[`type.${alias}`] = typeUri;
      writeAttributeValues(args, alias, values);
    }
  }
}
