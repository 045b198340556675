/**
 * The IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890), entry
 * by entry, as the SSRF guard applies them (issue 18, item 2).
 *
 * Sources: https://www.iana.org/assignments/iana-ipv4-special-registry/ and
 * https://www.iana.org/assignments/iana-ipv6-special-registry/ (entries as
 * of 2025), plus the ranges those registries leave to others and a fetcher
 * must also refuse: IPv4 multicast (IANA IPv4 Multicast Address Space),
 * IPv6 multicast and everything outside 2000::/3 (IANA IPv6 Address Space),
 * deprecated site-local fec0::/10 and IPv4-compatible ::/96 (RFC 4291).
 *
 * Treatment of each entry:
 * - `refuse`: never fetched. This includes the entries the registry marks
 *   globally reachable (PCP/TURN anycast, AS112, AMT, ORCHIDv2, DETs): they
 *   are network infrastructure or identifiers, never an identity page, and
 *   a fetch to them is not discovery.
 * - `embedded`: the address carries an IPv4 address, and the verdict is that
 *   address's (IPv4-mapped, NAT64 well-known prefix 64:ff9b::/96, 6to4).
 *
 * Local-use NAT64 (64:ff9b:1::/48, RFC 8215) and Teredo are refused outright:
 * the translator or relay behind them may reach any IPv4 address, private
 * ones included, and where the IPv4 sits is the operator's choice.
 */

/** Why an address is not fetched from. */
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
  | 'broadcast'
  | 'protocol-assignment'
  | 'anycast-service'
  | 'translation'
  | 'teredo'
  | 'ipv4-compatible'
  | 'discard'
  | 'segment-routing'
  | 'not-global-unicast';

/** One row of the table. */
export interface SpecialPurposeEntry {
  /** Address block, CIDR. */
  readonly block: string;
  /** The registry's name for it. */
  readonly name: string;
  /** Defining RFC, or the registry the row comes from when not a special-purpose entry. */
  readonly source: string;
  readonly category: AddressCategory;
  readonly treatment: 'refuse' | 'embedded';
}

const e = (
  block: string,
  name: string,
  source: string,
  category: AddressCategory,
  treatment: 'refuse' | 'embedded' = 'refuse',
): SpecialPurposeEntry => ({ block, name, source, category, treatment });

/** IPv4 rows. */
export const IPV4_SPECIAL: readonly SpecialPurposeEntry[] = [
  e('0.0.0.0/8', '"This network"', 'RFC 791', 'unspecified'),
  e('0.0.0.0/32', '"This host on this network"', 'RFC 1122', 'unspecified'),
  e('10.0.0.0/8', 'Private-Use', 'RFC 1918', 'private'),
  e('100.64.0.0/10', 'Shared Address Space', 'RFC 6598', 'shared (CGNAT)'),
  e('127.0.0.0/8', 'Loopback', 'RFC 1122', 'loopback'),
  e('169.254.0.0/16', 'Link Local', 'RFC 3927', 'link-local'),
  e('172.16.0.0/12', 'Private-Use', 'RFC 1918', 'private'),
  e('192.0.0.0/24', 'IETF Protocol Assignments', 'RFC 6890', 'protocol-assignment'),
  e('192.0.0.0/29', 'IPv4 Service Continuity Prefix', 'RFC 7335', 'protocol-assignment'),
  e('192.0.0.8/32', 'IPv4 dummy address', 'RFC 7600', 'protocol-assignment'),
  e('192.0.0.9/32', 'Port Control Protocol Anycast', 'RFC 7723', 'anycast-service'),
  e('192.0.0.10/32', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', 'anycast-service'),
  e('192.0.0.170/32', 'NAT64/DNS64 Discovery', 'RFC 8880', 'protocol-assignment'),
  e('192.0.0.171/32', 'NAT64/DNS64 Discovery', 'RFC 8880', 'protocol-assignment'),
  e('192.0.2.0/24', 'Documentation (TEST-NET-1)', 'RFC 5737', 'documentation'),
  e('192.31.196.0/24', 'AS112-v4', 'RFC 7535', 'anycast-service'),
  e('192.52.193.0/24', 'AMT', 'RFC 7450', 'anycast-service'),
  e('192.88.99.0/24', 'Deprecated (6to4 Relay Anycast)', 'RFC 7526', 'reserved'),
  e('192.88.99.2/32', '6a44-relay anycast address', 'RFC 6751', 'anycast-service'),
  e('192.168.0.0/16', 'Private-Use', 'RFC 1918', 'private'),
  e('192.175.48.0/24', 'Direct Delegation AS112 Service', 'RFC 7534', 'anycast-service'),
  e('198.18.0.0/15', 'Benchmarking', 'RFC 2544', 'benchmarking'),
  e('198.51.100.0/24', 'Documentation (TEST-NET-2)', 'RFC 5737', 'documentation'),
  e('203.0.113.0/24', 'Documentation (TEST-NET-3)', 'RFC 5737', 'documentation'),
  e('240.0.0.0/4', 'Reserved', 'RFC 1112', 'reserved'),
  e('255.255.255.255/32', 'Limited Broadcast', 'RFC 919', 'broadcast'),
  e('224.0.0.0/4', 'Multicast', 'IANA IPv4 Multicast Address Space', 'multicast'),
];

/** IPv6 rows. */
export const IPV6_SPECIAL: readonly SpecialPurposeEntry[] = [
  e('::1/128', 'Loopback Address', 'RFC 4291', 'loopback'),
  e('::/128', 'Unspecified Address', 'RFC 4291', 'unspecified'),
  e('::ffff:0:0/96', 'IPv4-mapped Address', 'RFC 4291', 'reserved', 'embedded'),
  e('64:ff9b::/96', 'IPv4-IPv6 Translat.', 'RFC 6052', 'translation', 'embedded'),
  e('64:ff9b:1::/48', 'IPv4-IPv6 Translat. (local-use)', 'RFC 8215', 'translation'),
  e('100::/64', 'Discard-Only Address Block', 'RFC 6666', 'discard'),
  e('100:0:0:1::/64', 'Dummy IPv6 Prefix', 'RFC 9780', 'protocol-assignment'),
  e('2001::/23', 'IETF Protocol Assignments', 'RFC 2928', 'protocol-assignment'),
  e('2001::/32', 'TEREDO', 'RFC 4380', 'teredo'),
  e('2001:1::1/128', 'Port Control Protocol Anycast', 'RFC 7723', 'anycast-service'),
  e('2001:1::2/128', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', 'anycast-service'),
  e('2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast', 'RFC 9665', 'anycast-service'),
  e('2001:2::/48', 'Benchmarking', 'RFC 5180', 'benchmarking'),
  e('2001:3::/32', 'AMT', 'RFC 7450', 'anycast-service'),
  e('2001:4:112::/48', 'AS112-v6', 'RFC 7535', 'anycast-service'),
  e('2001:10::/28', 'Deprecated (previously ORCHID)', 'RFC 4843', 'reserved'),
  e('2001:20::/28', 'ORCHIDv2', 'RFC 7343', 'protocol-assignment'),
  e('2001:30::/28', 'Drone Remote ID Protocol Entity Tags (DETs) Prefix', 'RFC 9374', 'protocol-assignment'),
  e('2001:db8::/32', 'Documentation', 'RFC 3849', 'documentation'),
  e('2002::/16', '6to4', 'RFC 3056', 'reserved', 'embedded'),
  e('2620:4f:8000::/48', 'Direct Delegation AS112 Service', 'RFC 7534', 'anycast-service'),
  e('3fff::/20', 'Documentation', 'RFC 9637', 'documentation'),
  e('5f00::/16', 'Segment Routing (SRv6) SIDs', 'RFC 9602', 'segment-routing'),
  e('fc00::/7', 'Unique-Local', 'RFC 4193', 'unique-local'),
  e('fe80::/10', 'Link-Local Unicast', 'RFC 4291', 'link-local'),
  e('::/96', 'IPv4-compatible (deprecated)', 'RFC 4291 §2.5.5.1', 'ipv4-compatible'),
  e('fec0::/10', 'Site-local (deprecated)', 'RFC 3879', 'site-local'),
  e('ff00::/8', 'Multicast', 'IANA IPv6 Address Space', 'multicast'),
];
