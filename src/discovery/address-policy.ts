/**
 * Which IP addresses an outbound fetch may connect to (SSRF guard).
 *
 * Pure functions over address strings: the fetcher resolves a host once,
 * runs every address through {@link checkAddress}, and connects only to an
 * address that passed.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** Why an address is not globally routable. */
export type AddressCategory =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared (CGNAT)'
  | 'link-local'
  | 'multicast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'unique-local'
  | 'site-local'
  | 'broadcast';

interface Range {
  /** Network address as a bigint of `bits` bits. */
  readonly base: bigint;
  readonly prefix: number;
  readonly bits: 32 | 128;
  readonly category: AddressCategory;
}

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

function range(cidr: string, category: AddressCategory): Range {
  const [addr, len] = cidr.split('/') as [string, string];
  const v4 = parseIPv4(addr);
  if (v4 !== null) return { base: v4, prefix: Number(len), bits: 32, category };
  const v6 = parseIPv6(addr);
  if (v6 === null) throw new TypeError(`bad range ${cidr}`);
  return { base: v6, prefix: Number(len), bits: 128, category };
}

function inRange(value: bigint, bits: 32 | 128, r: Range): boolean {
  if (r.bits !== bits) return false;
  const shift = BigInt(bits - r.prefix);
  return value >> shift === r.base >> shift;
}

// IANA IPv4/IPv6 Special-Purpose Address Registries: everything not globally reachable.
const V4_RANGES: readonly Range[] = [
  range('0.0.0.0/8', 'unspecified'),
  range('10.0.0.0/8', 'private'),
  range('100.64.0.0/10', 'shared (CGNAT)'),
  range('127.0.0.0/8', 'loopback'),
  range('169.254.0.0/16', 'link-local'),
  range('172.16.0.0/12', 'private'),
  range('192.0.0.0/24', 'reserved'),
  range('192.0.2.0/24', 'documentation'),
  range('192.88.99.0/24', 'reserved'),
  range('192.168.0.0/16', 'private'),
  range('198.18.0.0/15', 'benchmarking'),
  range('198.51.100.0/24', 'documentation'),
  range('203.0.113.0/24', 'documentation'),
  range('224.0.0.0/4', 'multicast'),
  range('255.255.255.255/32', 'broadcast'),
  range('240.0.0.0/4', 'reserved'),
];

const V6_RANGES: readonly Range[] = [
  range('::/128', 'unspecified'),
  range('::1/128', 'loopback'),
  range('100::/64', 'reserved'),
  range('2001:db8::/32', 'documentation'),
  range('2001::/23', 'reserved'),
  range('fc00::/7', 'unique-local'),
  range('fe80::/10', 'link-local'),
  range('fec0::/10', 'site-local'),
  range('ff00::/8', 'multicast'),
];

/** IPv6 forms that carry an IPv4 address the guard must judge instead. */
const MAPPED = range('::ffff:0:0/96', 'reserved'); // IPv4-mapped
const COMPATIBLE = range('::/96', 'reserved'); // deprecated IPv4-compatible
const NAT64 = range('64:ff9b::/96', 'reserved'); // well-known NAT64 prefix
const SIX_TO_FOUR = range('2002::/16', 'reserved'); // 6to4: IPv4 in bits 16..48

function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

/** The verdict on one address: null when it is globally routable. */
export interface AddressVerdict {
  /** The kind of non-public range the address falls in. */
  readonly category: AddressCategory;
  /** Set when the address embeds an IPv4 address (mapped, NAT64, 6to4) that was judged instead. */
  readonly embeddedIPv4?: string;
}

/**
 * Classifies an IP address. Returns null for a global unicast address, or
 * the reason it must not be fetched from: loopback, private, link-local,
 * CGNAT, multicast, unspecified, documentation and reserved ranges, and the
 * IPv6 forms (IPv4-mapped, NAT64, 6to4) of any of them.
 *
 * @example
 * classifyAddress('::ffff:127.0.0.1') // { category: 'loopback', embeddedIPv4: '127.0.0.1' }
 * classifyAddress('93.184.216.34')    // null
 */
export function classifyAddress(address: string): AddressVerdict | null {
  const v4 = parseIPv4(address);
  if (v4 !== null) {
    const hit = V4_RANGES.find((r) => inRange(v4, 32, r));
    return hit ? { category: hit.category } : null;
  }
  const v6 = parseIPv6(address);
  if (v6 === null) return { category: 'reserved' }; // not an IP address: fail closed
  for (const carrier of [MAPPED, NAT64]) {
    if (inRange(v6, 128, carrier)) {
      const embedded = formatV4(v6 & 0xffffffffn);
      const inner = classifyAddress(embedded);
      return inner ? { category: inner.category, embeddedIPv4: embedded } : null;
    }
  }
  if (inRange(v6, 128, SIX_TO_FOUR)) {
    const embedded = formatV4((v6 >> 80n) & 0xffffffffn);
    const inner = classifyAddress(embedded);
    if (inner) return { category: inner.category, embeddedIPv4: embedded };
  }
  const hit = V6_RANGES.find((r) => inRange(v6, 128, r));
  if (hit) return { category: hit.category };
  if (inRange(v6, 128, COMPATIBLE)) return { category: 'reserved', embeddedIPv4: formatV4(v6 & 0xffffffffn) };
  return null;
}

/** A parsed allow/deny list entry. */
type HostRule =
  | { readonly kind: 'host'; readonly name: string }
  | { readonly kind: 'subdomains'; readonly suffix: string }
  | { readonly kind: 'cidr'; readonly range: Range };

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
      return { kind: 'cidr', range: range(`${bare}/${prefix}`, 'reserved') };
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
        const v4 = parseIPv4(candidate);
        if (v4 !== null && inRange(v4, 32, rule.range)) return true;
        const v6 = v4 === null ? parseIPv6(candidate) : null;
        if (v6 !== null && inRange(v6, 128, rule.range)) return true;
      }
    }
  }
  return false;
}
