/**
 * Which IP addresses an outbound fetch may connect to (SSRF guard).
 *
 * Pure functions over address strings: the fetcher resolves a host once,
 * runs every address through {@link checkAddress}, and connects only to an
 * address that passed.
 */
import { inSubnet, isIPv4, isIPv6, type Subnet, subnet } from '../platform/ip.js';
import {
  type AddressCategory,
  IPV4_SPECIAL,
  IPV6_SPECIAL,
  type SpecialPurposeEntry,
} from './special-purpose-registry.js';

export type { AddressCategory } from './special-purpose-registry.js';

/** Parses a dotted-quad IPv4 address to a 32-bit bigint, or null. */
export function parseIPv4(address: string): bigint | null {
  if (!isIPv4(address)) return null;
  let value = 0n;
  for (const part of address.split('.')) value = (value << 8n) | BigInt(Number(part));
  return value;
}

/** Parses an IPv6 address (zone id stripped, embedded IPv4 allowed) to a 128-bit bigint, or null. */
export function parseIPv6(address: string): bigint | null {
  const zone = address.indexOf('%');
  const text = zone === -1 ? address : address.slice(0, zone);
  if (!isIPv6(text)) return null;
  let groups: string[];
  const tailV4 = text.includes('.') ? text.slice(text.lastIndexOf(':') + 1) : null;
  const head = tailV4 === null ? text : text.slice(0, text.lastIndexOf(':') + 1) + '0:0';
  const want = 8;
  const doubleColon = head.indexOf('::');
  if (doubleColon === -1) {
    groups = head.split(':');
  } else {
    const left = head
      .slice(0, doubleColon)
      .split(':')
      .filter((g) => g !== '');
    const right = head
      .slice(doubleColon + 2)
      .split(':')
      .filter((g) => g !== '');
    groups = [...left, ...Array<string>(want - left.length - right.length).fill('0'), ...right];
  }
  if (groups.length !== want) return null;
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  if (tailV4 !== null) {
    const v4 = parseIPv4(tailV4);
    if (v4 === null) return null;
    value = (value & ~0xffffffffn) | v4;
  }
  return value;
}

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

interface CompiledEntry {
  readonly entry: SpecialPurposeEntry;
  readonly prefix: number;
  readonly list: Subnet;
}

/** One subnet per registry row, most specific first (so 2001::/32 TEREDO wins over 2001::/23). */
function compile(entries: readonly SpecialPurposeEntry[], family: 'ipv4' | 'ipv6'): readonly CompiledEntry[] {
  return entries
    .map((entry) => {
      const [network, len] = entry.block.split('/') as [string, string];
      return { entry, prefix: Number(len), list: subnet(network, Number(len), family) };
    })
    .sort((x, y) => y.prefix - x.prefix);
}

const V4 = compile(IPV4_SPECIAL, 'ipv4');
const V6 = compile(IPV6_SPECIAL, 'ipv6');
const GLOBAL_UNICAST = subnet('2000::', 3, 'ipv6');

/** The verdict on one address: null when it may be fetched from. */
export interface AddressVerdict {
  /** The kind of non-public range the address falls in. */
  readonly category: AddressCategory;
  /** Set when the address embeds an IPv4 address (mapped, NAT64, 6to4, Teredo, compatible). */
  readonly embeddedIPv4?: string;
  /** The registry block that decided (`64:ff9b:1::/48`); absent for a judged embedded IPv4 that was global. */
  readonly block?: string;
}

/** The IPv4 address an IPv6 address carries, for the forms that carry one. */
function embeddedIPv4(v6: bigint, entry: SpecialPurposeEntry): string | undefined {
  switch (entry.block) {
    case '::ffff:0:0/96':
    case '64:ff9b::/96':
    case '::/96':
      return formatV4(v6 & 0xffffffffn);
    case '2002::/16':
      return formatV4((v6 >> 80n) & 0xffffffffn);
    case '2001::/32':
      // Teredo: the client's IPv4 sits obfuscated (bits inverted) in the last 32 bits.
      return formatV4(~v6 & 0xffffffffn);
    default:
      return undefined;
  }
}

/**
 * Classifies an IP address against the IANA special-purpose registries
 * (see ./special-purpose-registry.ts). Returns null for an address that may
 * be fetched from, or the reason it must not be: loopback, private,
 * link-local, CGNAT, multicast, documentation, protocol assignments, anycast
 * services, local-use NAT64, Teredo, anything outside IPv6 global unicast;
 * IPv4-mapped, NAT64 (64:ff9b::/96) and 6to4 addresses are judged by the IPv4
 * address they carry.
 *
 * @example
 * classifyAddress('::ffff:127.0.0.1') // { category: 'loopback', embeddedIPv4: '127.0.0.1', block: '127.0.0.0/8' }
 * classifyAddress('64:ff9b:1::a9fe:a9fe') // { category: 'translation', block: '64:ff9b:1::/48' }
 * classifyAddress('93.184.216.34')    // null
 */
export function classifyAddress(address: string): AddressVerdict | null {
  if (isIPv4(address)) {
    const hit = V4.find((c) => inSubnet(c.list, address));
    return hit ? { category: hit.entry.category, block: hit.entry.block } : null;
  }
  const zone = address.indexOf('%');
  const text = zone === -1 ? address : address.slice(0, zone);
  const v6 = parseIPv6(text);
  if (v6 === null) return { category: 'reserved' }; // not an IP address: fail closed
  const hit = V6.find((c) => inSubnet(c.list, text));
  if (!hit) return inSubnet(GLOBAL_UNICAST, text) ? null : { category: 'not-global-unicast' };
  const embedded = embeddedIPv4(v6, hit.entry);
  if (hit.entry.treatment === 'embedded' && embedded !== undefined) {
    const inner = classifyAddress(embedded);
    return inner ? { ...inner, embeddedIPv4: embedded } : null;
  }
  return embedded === undefined
    ? { category: hit.entry.category, block: hit.entry.block }
    : { category: hit.entry.category, embeddedIPv4: embedded, block: hit.entry.block };
}

/** A parsed allow/deny list entry. */
type HostRule =
  | { readonly kind: 'host'; readonly name: string }
  | { readonly kind: 'subdomains'; readonly suffix: string }
  | { readonly kind: 'cidr'; readonly list: Subnet };

function canonicalHostName(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  while (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/**
 * Parses allow/deny host list entries: `example.com` (that host only),
 * `*.example.com` (its subdomains), an IP address, or a CIDR range
 * (`10.1.0.0/16`, `fd00::/8`) matched against resolved addresses.
 */
export function parseHostRules(entries: readonly string[]): readonly HostRule[] {
  return entries.map((raw): HostRule => {
    const entry = raw.trim();
    const [addr, len] = entry.split('/');
    const bare = canonicalHostName(addr ?? '');
    if (parseIPv4(bare) !== null || parseIPv6(bare) !== null) {
      const bits = parseIPv4(bare) !== null ? 32 : 128;
      const prefix = len === undefined ? bits : Number(len);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) {
        throw new TypeError(`bad host rule ${JSON.stringify(raw)}`);
      }
      return { kind: 'cidr', list: subnet(bare, prefix, bits === 32 ? 'ipv4' : 'ipv6') };
    }
    if (entry.startsWith('*.')) return { kind: 'subdomains', suffix: canonicalHostName(entry.slice(1)) };
    if (entry === '' || entry.includes('/')) throw new TypeError(`bad host rule ${JSON.stringify(raw)}`);
    return { kind: 'host', name: canonicalHostName(entry) };
  });
}

/** True when `host` (a URL hostname) or `address` (one it resolved to) matches a rule. */
export function matchesHostRules(rules: readonly HostRule[], host: string, address?: string): boolean {
  const name = canonicalHostName(host);
  for (const rule of rules) {
    if (rule.kind === 'host' && rule.name === name) return true;
    if (rule.kind === 'subdomains' && name.endsWith(rule.suffix) && name.length > rule.suffix.length) {
      return true;
    }
    if (rule.kind === 'cidr') {
      for (const candidate of address === undefined ? [name] : [name, address]) {
        if (isIPv4(candidate) && inSubnet(rule.list, candidate)) return true;
        const bare = candidate.split('%')[0] as string;
        if (isIPv6(bare) && inSubnet(rule.list, bare)) return true;
      }
    }
  }
  return false;
}
