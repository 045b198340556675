/**
 * The OpenID message (spec §4.1): one model for OpenID 1.x and 2.0, with
 * extension namespaces declared as `openid.ns.<alias>`.
 *
 * A message keeps every argument under its full wire name (`openid.mode`,
 * `openid.sreg.email`, and arguments outside `openid.` such as the relying
 * party's own query parameters), in the order received, so that what was
 * signed is exactly what is checked. Namespaces are an index on top of that.
 *
 * @example
 * const m = Message.fromPostArgs(new URL(url).searchParams);
 * m.get(OPENID_NS, 'mode');                 // 'id_res'
 * m.get('http://openid.net/srv/ax/1.0', 'mode');
 * m.toURL('https://rp.example/return');
 */
import {
  OPENID1_0_NS,
  OPENID1_NAMESPACES,
  OPENID1_NS,
  OPENID2_NS,
  type OpenIDVersion,
  SREG_1_0_NS,
  SREG_1_1_NS,
} from './constants.js';
import { ProtocolError } from './errors.js';
import { autoSubmitFormHtml, type FormHtmlOptions } from './form-html.js';
import * as kvform from './kvform.js';
import {
  type ArgsInput,
  checkedArgs,
  DEFAULT_LIMITS,
  entriesOf,
  type MessageLimits,
  malformed,
} from './message-args.js';
import {
  BARE_NS,
  isValidAlias,
  type NamespaceRef,
  OPENID_NS,
  openidWireKey,
  OPENID_PREFIX as PREFIX,
} from './message-namespace.js';

export { escapeHtml, type FormHtmlOptions } from './form-html.js';
export type { ArgsInput, MessageLimits } from './message-args.js';
export { BARE_NS, isValidAlias, type NamespaceRef, OPENID_NS } from './message-namespace.js';

const VERSION_NS: Readonly<Record<OpenIDVersion, string>> = {
  '2.0': OPENID2_NS,
  '1.1': OPENID1_NS,
  '1.0': OPENID1_0_NS,
};

/** An OpenID message. Build one with a static factory; it is mutable until sent. */
export class Message {
  /** Every argument by full wire name, insertion-ordered. */
  readonly #args: Map<string, string>;
  #namespace: string;
  /** Whether `openid.ns` is absent on the wire (OpenID 1 messages). */
  #implicitNs: boolean;
  readonly #aliasToUri = new Map<string, string>();
  readonly #uriToAlias = new Map<string, string>();
  /** Aliases that are not declared on the wire (the `sreg` alias of OpenID 1). */
  readonly #implicitAliases = new Set<string>();

  private constructor(namespace: string, implicitNs: boolean, args = new Map<string, string>()) {
    this.#args = args;
    this.#namespace = namespace;
    this.#implicitNs = implicitNs;
  }

  /**
   * A new empty message of a version. OpenID 1 messages carry no `openid.ns`.
   *
   * @example Message.create('2.0').set(OPENID_NS, 'mode', 'checkid_setup');
   */
  static create(version: OpenIDVersion = '2.0'): Message {
    const ns = VERSION_NS[version];
    const m = new Message(ns, version !== '2.0');
    if (version === '2.0') m.#args.set('openid.ns', ns);
    m.#addImplicitAliases();
    return m;
  }

  /**
   * Parse wire arguments (query string or form body, `openid.`-prefixed names).
   * Every value must be a single string: arrays or objects a framework's
   * parser made from `a[]=` or repeated names are refused (`malformed_message`),
   * as are repeated names in a `URLSearchParams`.
   */
  static fromPostArgs(input: ArgsInput, limits: MessageLimits = {}): Message {
    return Message.#fromEntries(entriesOf(input), limits);
  }

  /** Parse the query of a URL. */
  static fromQuery(url: string | URL, limits: MessageLimits = {}): Message {
    let parsed: URL;
    try {
      parsed = typeof url === 'string' ? new URL(url) : url;
    } catch (cause) {
      throw new ProtocolError('malformed_message', 'not an absolute URL', {}, { cause });
    }
    return Message.fromPostArgs(parsed.searchParams, limits);
  }

  /** Parse arguments named without the `openid.` prefix (as in key-value form). */
  static fromOpenIDArgs(args: ArgsInput, limits: MessageLimits = {}): Message {
    const prefixed: [string, string][] = [];
    for (const [k, v] of entriesOf(args)) prefixed.push([PREFIX + k, v]);
    return Message.#fromEntries(prefixed, limits);
  }

  /** Parse a key-value form document (a direct response), strictly. */
  static fromKVForm(text: string, limits: MessageLimits = {}): Message {
    const merged = { ...DEFAULT_LIMITS, ...limits };
    const values = kvform.parse(text, { maxBytes: merged.maxTotalLength * 4, maxPairs: merged.maxArgs });
    return Message.fromOpenIDArgs(Object.entries(values), limits);
  }

  static #fromEntries(entries: Iterable<readonly [string, string]>, limits: MessageLimits): Message {
    // The checked map becomes the message's own (a copy was a second map per message read).
    const args = checkedArgs(entries, limits);
    const nsValue = args.get('openid.ns');
    let m: Message;
    if (nsValue === undefined) {
      m = new Message(OPENID1_NS, true, args);
    } else if (nsValue === OPENID2_NS || OPENID1_NAMESPACES.includes(nsValue)) {
      m = new Message(nsValue, false, args);
    } else {
      throw new ProtocolError('ns_invalid', `openid.ns is not an OpenID namespace: ${nsValue}`);
    }
    for (const [key, value] of args) {
      if (key.startsWith('openid.ns.')) m.#declare(key.slice('openid.ns.'.length), value, false);
    }
    m.#addImplicitAliases();
    return m;
  }

  /** OpenID 1 messages know `sreg` without a declaration. */
  #addImplicitAliases(): void {
    if (!this.isOpenID1()) return;
    if (!this.#aliasToUri.has('sreg') && !this.#uriToAlias.has(SREG_1_0_NS)) {
      this.#aliasToUri.set('sreg', SREG_1_0_NS);
      this.#uriToAlias.set(SREG_1_0_NS, 'sreg');
      this.#implicitAliases.add('sreg');
    }
  }

  #declare(alias: string, uri: string, implicit: boolean): void {
    if (!isValidAlias(alias)) {
      throw new ProtocolError('ns_alias_invalid', `namespace alias ${JSON.stringify(alias)} is not allowed`);
    }
    if (uri.length === 0)
      throw new ProtocolError('ns_alias_invalid', `namespace alias ${alias} has an empty URI`);
    if (uri === OPENID2_NS || OPENID1_NAMESPACES.includes(uri)) {
      throw new ProtocolError('ns_alias_invalid', `alias ${alias} may not name the OpenID namespace`);
    }
    const existingUri = this.#aliasToUri.get(alias);
    if (existingUri !== undefined && existingUri !== uri) {
      throw new ProtocolError('ns_alias_conflict', `alias ${alias} is already bound to ${existingUri}`);
    }
    const existingAlias = this.#uriToAlias.get(uri);
    if (existingAlias !== undefined && existingAlias !== alias) {
      throw new ProtocolError('ns_alias_conflict', `namespace ${uri} already has the alias ${existingAlias}`);
    }
    this.#aliasToUri.set(alias, uri);
    this.#uriToAlias.set(uri, alias);
    if (implicit) this.#implicitAliases.add(alias);
    else this.#implicitAliases.delete(alias);
  }

  /** The OpenID namespace URI of the message (`openid.ns`, or OpenID 1.1's when absent). */
  get namespace(): string {
    return this.#namespace;
  }

  /** The protocol version the namespace stands for. */
  get version(): OpenIDVersion {
    if (this.#namespace === OPENID2_NS) return '2.0';
    return this.#namespace === OPENID1_0_NS ? '1.0' : '1.1';
  }

  /** Whether this is an OpenID 1.x message (no 2.0 `openid.ns`). */
  isOpenID1(): boolean {
    return this.#namespace !== OPENID2_NS;
  }

  /** Whether this is an OpenID 2.0 message (`openid.ns` is the 2.0 namespace). */
  isOpenID2(): boolean {
    return this.#namespace === OPENID2_NS;
  }

  /** Whether `openid.ns` was absent from the wire. */
  get hasImplicitNamespace(): boolean {
    return this.#implicitNs;
  }

  /** `openid.mode`, if present. */
  get mode(): string | undefined {
    return this.#args.get('openid.mode');
  }

  /** The alias bound to an extension namespace URI, if any. */
  aliasOf(uri: string): string | undefined {
    return this.#uriToAlias.get(uri);
  }

  /** The namespace URI bound to an alias, if any. */
  uriOf(alias: string): string | undefined {
    return this.#aliasToUri.get(alias);
  }

  /** Every extension namespace of the message as `[uri, alias]`. */
  namespaces(): [string, string][] {
    return [...this.#uriToAlias.entries()];
  }

  /**
   * Bind `uri` to `alias` (declaring `openid.ns.<alias>` in OpenID 2.0).
   * Throws `ns_alias_conflict` when either is bound to something else.
   */
  declareNamespace(uri: string, alias: string): void {
    if (this.#uriToAlias.get(uri) === alias) return;
    // OpenID 1 peers expect `openid.sreg.*` with no declaration.
    const implicit = this.isOpenID1() && alias === 'sreg' && (uri === SREG_1_0_NS || uri === SREG_1_1_NS);
    if (implicit && this.#implicitAliases.has('sreg') && this.#aliasToUri.get('sreg') !== uri) {
      this.#uriToAlias.delete(this.#aliasToUri.get('sreg') as string);
      this.#aliasToUri.delete('sreg');
    }
    this.#declare(alias, uri, implicit);
    if (!implicit) this.#args.set(`openid.ns.${alias}`, uri);
  }

  /** The alias for `uri`, binding a fresh one (`preferred`, else `ext0`, `ext1`, …) when unbound. */
  ensureNamespace(uri: string, preferred?: string): string {
    const existing = this.#uriToAlias.get(uri);
    if (existing !== undefined) return existing;
    let alias = preferred;
    // OpenID 1's implicit `sreg` alias yields to SReg 1.1 (it keeps the alias `sreg` on the wire).
    const taken =
      alias !== undefined &&
      this.#aliasToUri.has(alias) &&
      !(this.#implicitAliases.has(alias) && alias === 'sreg' && uri === SREG_1_1_NS);
    if (alias === undefined || taken || !isValidAlias(alias)) {
      for (let i = 0; ; i++) {
        if (!this.#aliasToUri.has(`ext${i}`)) {
          alias = `ext${i}`;
          break;
        }
      }
    }
    this.declareNamespace(uri, alias);
    return alias;
  }

  #wireKey(ns: NamespaceRef, key: string): string | undefined {
    if (ns === OPENID_NS) return openidWireKey(key);
    if (ns === BARE_NS) return key;
    const alias = this.#uriToAlias.get(ns);
    return alias === undefined ? undefined : `${PREFIX}${alias}.${key}`;
  }

  /** A value, or undefined when absent. */
  get(ns: NamespaceRef, key: string): string | undefined {
    const wire = this.#wireKey(ns, key);
    return wire === undefined ? undefined : this.#args.get(wire);
  }

  /** A value that must be present; throws `ProtocolError('missing_field')` otherwise. */
  getRequired(ns: NamespaceRef, key: string): string {
    const v = this.get(ns, key);
    if (v === undefined) {
      const name = ns === OPENID_NS ? `openid.${key}` : typeof ns === 'string' ? `${ns}#${key}` : key;
      throw new ProtocolError('missing_field', `the message has no ${name}`);
    }
    return v;
  }

  /** Whether the message has `key` in namespace `ns`. */
  has(ns: NamespaceRef, key: string): boolean {
    return this.get(ns, key) !== undefined;
  }

  /** A value by full wire name (`openid.sreg.email`), as received. */
  getWire(name: string): string | undefined {
    return this.#args.get(name);
  }

  /**
   * Set a value. For an extension URI without an alias, one is bound first.
   * Values with NUL are refused, and newlines in `openid.` values too (they
   * could not be signed).
   */
  set(ns: NamespaceRef, key: string, value: string): this {
    if (key.length === 0) throw new ProtocolError('malformed_message', 'argument name is empty');
    if (typeof ns === 'string') this.ensureNamespace(ns);
    const wire = this.#wireKey(ns, key) as string;
    if (wire.includes('\0') || value.includes('\0')) throw malformed(`argument ${wire} contains NUL`);
    if (wire.startsWith(PREFIX) && (/[\r\n]/.test(value) || /[\r\n:]/.test(wire))) {
      throw malformed(`argument ${wire} contains a newline or ':'`);
    }
    if (ns === BARE_NS && key.startsWith(PREFIX))
      throw malformed(`bare argument ${key} may not start with openid.`);
    if (ns === OPENID_NS && (key === 'ns' || key.startsWith('ns.'))) {
      throw malformed('set namespaces with Message.create or declareNamespace');
    }
    this.#args.set(wire, value);
    return this;
  }

  /** Set several values of one namespace. */
  update(ns: NamespaceRef, values: Readonly<Record<string, string>>): this {
    for (const [k, v] of Object.entries(values)) this.set(ns, k, v);
    return this;
  }

  /** Remove a value; true when it was there. */
  delete(ns: NamespaceRef, key: string): boolean {
    const wire = this.#wireKey(ns, key);
    return wire === undefined ? false : this.#args.delete(wire);
  }

  /**
   * Every argument of one namespace, keyed without prefix or alias. For
   * `OPENID_NS`, arguments of extension aliases and `ns` declarations are left out.
   */
  getArgs(ns: NamespaceRef): Record<string, string> {
    const out: Record<string, string> = Object.create(null);
    if (ns === BARE_NS) {
      for (const [k, v] of this.#args) if (!k.startsWith(PREFIX)) out[k] = v;
      return out;
    }
    if (ns === OPENID_NS) {
      for (const [k, v] of this.#args) {
        if (!k.startsWith(PREFIX)) continue;
        const rest = k.slice(PREFIX.length);
        const dot = rest.indexOf('.');
        const head = dot === -1 ? rest : rest.slice(0, dot);
        if (head === 'ns' || (dot !== -1 && this.#aliasToUri.has(head))) continue;
        out[rest] = v;
      }
      return out;
    }
    const alias = this.#uriToAlias.get(ns);
    if (alias === undefined) return out;
    const prefix = `${PREFIX}${alias}.`;
    for (const [k, v] of this.#args) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
    return out;
  }

  /** A deep copy. */
  clone(): Message {
    const m = new Message(this.#namespace, this.#implicitNs);
    for (const [k, v] of this.#args) m.#args.set(k, v);
    for (const [a, u] of this.#aliasToUri) m.#aliasToUri.set(a, u);
    for (const [u, a] of this.#uriToAlias) m.#uriToAlias.set(u, a);
    for (const a of this.#implicitAliases) m.#implicitAliases.add(a);
    return m;
  }

  /** Every argument with its wire name, in order. */
  toPostArgs(): Record<string, string> {
    const out: Record<string, string> = Object.create(null);
    for (const [k, v] of this.#args) out[k] = v;
    return out;
  }

  /** Every argument as `[wireName, value]` pairs, in order. */
  entries(): [string, string][] {
    return [...this.#args.entries()];
  }

  /** The `openid.` arguments without the prefix (the key-value form view). Bare arguments are left out. */
  toOpenIDArgs(): Record<string, string> {
    const out: Record<string, string> = Object.create(null);
    for (const [k, v] of this.#args) if (k.startsWith(PREFIX)) out[k.slice(PREFIX.length)] = v;
    return out;
  }

  /** Key-value form of the `openid.` arguments (direct responses, spec §5.1.2). */
  toKVForm(): string {
    return kvform.serialize(this.toOpenIDArgs());
  }

  /** A form body / query string of every argument. */
  toURLSearchParams(): URLSearchParams {
    return new URLSearchParams([...this.#args.entries()]);
  }

  /**
   * `base` with the message's arguments added to its query. Parameters of
   * `base` are kept (a return_to's own query must survive, spec §11.1) except
   * those the message sets itself, which the message's values replace.
   */
  toURL(base: string | URL): string {
    const url = new URL(base.toString());
    // One serialization at the end: each change through url.searchParams re-serializes the
    // whole query, which made this quadratic and a top cost of signing (issue 10 profile).
    const params = new URLSearchParams(url.search);
    for (const k of this.#args.keys()) params.delete(k);
    for (const [k, v] of this.#args) params.append(k, v);
    url.search = params.toString();
    return url.toString();
  }

  /**
   * An HTML page whose form POSTs the message to `action` and submits itself
   * (spec §5.2.1 for messages too long for a redirect). Every value is escaped.
   */
  toFormHtml(action: string, options: FormHtmlOptions = {}): string {
    return autoSubmitFormHtml(action, this.#args.entries(), options);
  }
}
