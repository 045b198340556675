/**
 * IP address syntax and subnet matching without `node:net`, so the SSRF
 * guard's address policy and the URI normalizer load where there is no Node
 * layer. Same answers as `net.isIPv4` / `net.isIPv6` / `net.BlockList`
 * (test/platform/ip.test.ts compares them).
 *
 * Internal module.
 */

const V4_SEGMENT = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const V4_RE = new RegExp(`^${V4_SEGMENT}(?:\\.${V4_SEGMENT}){3}$`);
/** What Node accepts after `%` as an IPv6 zone id. */
const ZONE_RE = /^[0-9a-zA-Z.:-]+$/;

/** Dotted-quad IPv4, no leading zeros (as `net.isIPv4`). */
export function isIPv4(text: string): boolean {
  return V4_RE.test(text);
}

/** IPv6 text, optionally with a zone id (as `net.isIPv6`). */
export function isIPv6(text: string): boolean {
  const zone = text.indexOf('%');
  const bare = zone === -1 ? text : text.slice(0, zone);
  if (zone !== -1 && !ZONE_RE.test(text.slice(zone + 1))) return false;
  // Only hex digits, ':' and '.' may reach the WHATWG IPv6 parser, which then decides.
  if (bare.length === 0 || !/^[0-9a-fA-F:.]+$/.test(bare)) return false;
  try {
    new URL(`http://[${bare}]/`);
    return true;
  } catch {
    return false;
  }
}

/** 4 or 6 for an IP address, 0 otherwise (as `net.isIP`). */
export function isIP(text: string): 0 | 4 | 6 {
  if (isIPv4(text)) return 4;
  return isIPv6(text) ? 6 : 0;
}

/** A 32-bit bigint of a dotted quad, or null. */
function v4Value(text: string): bigint | null {
  if (!isIPv4(text)) return null;
  let value = 0n;
  for (const part of text.split('.')) value = (value << 8n) | BigInt(Number(part));
  return value;
}

/** A 128-bit bigint of IPv6 text (zone ignored), or null; parsed by the WHATWG URL parser. */
function v6Value(text: string): bigint | null {
  const zone = text.indexOf('%');
  const bare = zone === -1 ? text : text.slice(0, zone);
  if (!isIPv6(bare)) return null;
  // The serialized host is 8 groups compressed at most once by '::'.
  const host = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  const [left = '', right] = host.split('::');
  const l = left === '' ? [] : left.split(':');
  const r = right === undefined || right === '' ? [] : right.split(':');
  const groups = right === undefined ? l : [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(Number.parseInt(g, 16));
  return value;
}

const MAPPED = 0xffffn << 32n;

/**
 * An address as 128 bits, IPv4 as IPv4-mapped IPv6 (`::ffff:a.b.c.d`), the
 * way `net.BlockList` compares across families.
 */
function asV6Space(text: string): bigint | null {
  const v4 = v4Value(text);
  return v4 !== null ? MAPPED | v4 : v6Value(text);
}

/** An address block: `addSubnet` of `net.BlockList`, for one subnet. */
export interface Subnet {
  readonly network: bigint;
  /** Prefix length in the 128-bit space. */
  readonly prefix: number;
}

/**
 * The subnet `network/prefix` (`prefix` counted in the address's own family).
 *
 * @throws TypeError when `network` is not an address of `family`.
 */
export function subnet(network: string, prefix: number, family: 'ipv4' | 'ipv6'): Subnet {
  const value = family === 'ipv4' ? v4Value(network) : v6Value(network);
  if (value === null) throw new TypeError(`not an ${family} address: ${network}`);
  return family === 'ipv4' ? { network: MAPPED | value, prefix: prefix + 96 } : { network: value, prefix };
}

/** Whether `address` (IPv4 or IPv6 text) lies in `block`. */
export function inSubnet(block: Subnet, address: string): boolean {
  const value = asV6Space(address);
  if (value === null) return false;
  const shift = BigInt(128 - block.prefix);
  return value >> shift === block.network >> shift;
}
