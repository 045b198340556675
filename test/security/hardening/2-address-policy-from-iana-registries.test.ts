/**
 * Issue 18, item 2: the SSRF guard follows the IANA IPv4 and IPv6
 * Special-Purpose Address Registries entry by entry, and judges the IPv4
 * address inside every IPv4-embedding IPv6 form.
 *
 * The reported attack: `64:ff9b:1::/48` (RFC 8215 local-use NAT64) was not
 * blocked, and a translator behind it may reach 169.254.169.254 (cloud
 * metadata) or any private IPv4.
 *
 * The registry below is test data written out from the registries
 * themselves, not imported from the code under test:
 *   https://www.iana.org/assignments/iana-ipv4-special-registry/ (IPv4)
 *   https://www.iana.org/assignments/iana-ipv6-special-registry/ (IPv6)
 * The last column is the registry's "Globally Reachable" (N/A where it says so).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classifyAddress } from '../../../src/discovery/address-policy.js';
import { createFetcher } from '../../../src/discovery/fetcher.js';
import { OpenIDError } from '../../../src/protocol/errors.js';

type Reach = true | false | 'N/A';
/** [block, name, RFC, globally reachable] */
const IANA_IPV4: ReadonlyArray<readonly [string, string, string, Reach]> = [
  ['0.0.0.0/8', '"This network"', 'RFC 791', false],
  ['0.0.0.0/32', '"This host on this network"', 'RFC 1122', false],
  ['10.0.0.0/8', 'Private-Use', 'RFC 1918', false],
  ['100.64.0.0/10', 'Shared Address Space', 'RFC 6598', false],
  ['127.0.0.0/8', 'Loopback', 'RFC 1122', false],
  ['169.254.0.0/16', 'Link Local', 'RFC 3927', false],
  ['172.16.0.0/12', 'Private-Use', 'RFC 1918', false],
  ['192.0.0.0/24', 'IETF Protocol Assignments', 'RFC 6890', false],
  ['192.0.0.0/29', 'IPv4 Service Continuity Prefix', 'RFC 7335', false],
  ['192.0.0.8/32', 'IPv4 dummy address', 'RFC 7600', false],
  ['192.0.0.9/32', 'Port Control Protocol Anycast', 'RFC 7723', true],
  ['192.0.0.10/32', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', true],
  ['192.0.0.170/32', 'NAT64/DNS64 Discovery', 'RFC 8880', false],
  ['192.0.0.171/32', 'NAT64/DNS64 Discovery', 'RFC 8880', false],
  ['192.0.2.0/24', 'Documentation (TEST-NET-1)', 'RFC 5737', false],
  ['192.31.196.0/24', 'AS112-v4', 'RFC 7535', true],
  ['192.52.193.0/24', 'AMT', 'RFC 7450', true],
  ['192.88.99.0/24', 'Deprecated (6to4 Relay Anycast)', 'RFC 7526', 'N/A'],
  ['192.88.99.2/32', '6a44-relay anycast address', 'RFC 6751', true],
  ['192.168.0.0/16', 'Private-Use', 'RFC 1918', false],
  ['192.175.48.0/24', 'Direct Delegation AS112 Service', 'RFC 7534', true],
  ['198.18.0.0/15', 'Benchmarking', 'RFC 2544', false],
  ['198.51.100.0/24', 'Documentation (TEST-NET-2)', 'RFC 5737', false],
  ['203.0.113.0/24', 'Documentation (TEST-NET-3)', 'RFC 5737', false],
  ['240.0.0.0/4', 'Reserved', 'RFC 1112', false],
  ['255.255.255.255/32', 'Limited Broadcast', 'RFC 919', false],
];

const IANA_IPV6: ReadonlyArray<readonly [string, string, string, Reach]> = [
  ['::1/128', 'Loopback Address', 'RFC 4291', false],
  ['::/128', 'Unspecified Address', 'RFC 4291', false],
  ['::ffff:0:0/96', 'IPv4-mapped Address', 'RFC 4291', false],
  ['64:ff9b::/96', 'IPv4-IPv6 Translat.', 'RFC 6052', true],
  ['64:ff9b:1::/48', 'IPv4-IPv6 Translat.', 'RFC 8215', false],
  ['100::/64', 'Discard-Only Address Block', 'RFC 6666', false],
  ['100:0:0:1::/64', 'Dummy IPv6 Prefix', 'RFC 9780', false],
  ['2001::/23', 'IETF Protocol Assignments', 'RFC 2928', false],
  ['2001::/32', 'TEREDO', 'RFC 4380', 'N/A'],
  ['2001:1::1/128', 'Port Control Protocol Anycast', 'RFC 7723', true],
  ['2001:1::2/128', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', true],
  ['2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast', 'RFC 9665', true],
  ['2001:2::/48', 'Benchmarking', 'RFC 5180', false],
  ['2001:3::/32', 'AMT', 'RFC 7450', true],
  ['2001:4:112::/48', 'AS112-v6', 'RFC 7535', true],
  ['2001:10::/28', 'Deprecated (previously ORCHID)', 'RFC 4843', 'N/A'],
  ['2001:20::/28', 'ORCHIDv2', 'RFC 7343', true],
  ['2001:30::/28', 'Drone Remote ID Protocol Entity Tags (DETs) Prefix', 'RFC 9374', true],
  ['2001:db8::/32', 'Documentation', 'RFC 3849', false],
  ['2002::/16', '6to4', 'RFC 3056', 'N/A'],
  ['2620:4f:8000::/48', 'Direct Delegation AS112 Service', 'RFC 7534', true],
  ['3fff::/20', 'Documentation', 'RFC 9637', false],
  ['5f00::/16', 'Segment Routing (SRv6) SIDs', 'RFC 9602', false],
  ['fc00::/7', 'Unique-Local', 'RFC 4193', false],
  ['fe80::/10', 'Link-Local Unicast', 'RFC 4291', false],
];

/** Blocks whose verdict is the embedded IPv4's (the test picks the embedded address itself). */
const JUDGED_BY_EMBEDDED_IPV4 = new Set(['::ffff:0:0/96', '64:ff9b::/96', '2002::/16']);

// --- address arithmetic of the test's own (independent of src/) ---
function v4ToInt(a: string): bigint {
  return a.split('.').reduce((n, p) => (n << 8n) | BigInt(Number(p)), 0n);
}
function intToV4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
}
function v6ToInt(a: string): bigint {
  const [head, tail] = a.includes('::') ? (a.split('::') as [string, string]) : [a, undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((n, g) => (n << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}
function intToV6(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}
function firstAndLast(block: string): [string, string] {
  const [net, len] = block.split('/') as [string, string];
  if (net.includes(':')) {
    const host = 128n - BigInt(len);
    const base = (v6ToInt(net) >> host) << host;
    return [intToV6(base), intToV6(base | ((1n << host) - 1n))];
  }
  const host = 32n - BigInt(len);
  const base = (v4ToInt(net) >> host) << host;
  return [intToV4(base), intToV4(base | ((1n << host) - 1n))];
}

describe('issue 18 item 2: every IANA special-purpose entry is refused or judged', () => {
  describe('IPv4 Special-Purpose Address Registry', () => {
    for (const [block, name, rfc] of IANA_IPV4) {
      const [first, last] = firstAndLast(block);
      test(`${block} ${name} (${rfc}): first ${first} and last ${last} refused, also as ::ffff:`, () => {
        for (const a of [first, last, `::ffff:${first}`, `::FFFF:${last}`]) {
          assert.notEqual(classifyAddress(a), null, a);
        }
      });
    }
  });

  describe('IPv6 Special-Purpose Address Registry', () => {
    for (const [block, name, rfc] of IANA_IPV6) {
      if (JUDGED_BY_EMBEDDED_IPV4.has(block)) continue;
      const [first, last] = firstAndLast(block);
      test(`${block} ${name} (${rfc}): first and last refused, in lower, upper and expanded case`, () => {
        for (const a of [first, last, first.toUpperCase(), last.toUpperCase()]) {
          assert.notEqual(classifyAddress(a), null, a);
        }
      });
    }
  });

  describe('IPv4-embedding forms: the embedded IPv4 is judged', () => {
    const hostile = ['127.0.0.1', '10.1.2.3', '169.254.169.254', '192.168.0.1', '100.64.0.1', '0.0.0.0'];
    const v4hex = (a: string) => {
      const n = v4ToInt(a);
      return `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    };
    for (const inner of hostile) {
      test(`IPv4-mapped ::ffff:${inner} (dotted and hex) refused`, () => {
        assert.equal(classifyAddress(`::ffff:${inner}`)?.embeddedIPv4, inner);
        assert.equal(classifyAddress(`::ffff:${v4hex(inner)}`)?.embeddedIPv4, inner);
        assert.equal(classifyAddress(`0:0:0:0:0:FFFF:${v4hex(inner)}`)?.embeddedIPv4, inner);
      });
      test(`NAT64 well-known 64:ff9b::${inner} refused`, () => {
        assert.equal(classifyAddress(`64:ff9b::${inner}`)?.embeddedIPv4, inner);
        assert.equal(classifyAddress(`64:FF9B::${v4hex(inner)}`)?.embeddedIPv4, inner);
      });
      test(`6to4 2002:${v4hex(inner)}:: refused`, () => {
        assert.equal(classifyAddress(`2002:${v4hex(inner)}::1`)?.embeddedIPv4, inner);
      });
      test(`IPv4-compatible ::${inner} refused (deprecated form)`, () => {
        assert.notEqual(classifyAddress(`::${inner}`), null);
      });
    }
    test('mapped, NAT64 and 6to4 forms of a public IPv4 pass (they reach the public address)', () => {
      for (const a of [
        '::ffff:8.8.8.8',
        '::ffff:808:808',
        '64:ff9b::8.8.8.8',
        '64:ff9b::808:808',
        '2002:808:808::1',
      ]) {
        assert.equal(classifyAddress(a), null, a);
      }
    });
    test('IPv4-compatible form of a public IPv4 is refused too (deprecated, RFC 4291)', () => {
      assert.equal(classifyAddress('::8.8.8.8')?.category, 'ipv4-compatible');
    });
    test('Teredo is refused whatever it embeds; the client IPv4 (inverted bits) is reported', () => {
      // Teredo: 2001:0:<server v4>:<flags>:<port^ffff>:<client v4 ^ ffffffff>; client 127.0.0.1 -> 80ff:fffe
      const v = classifyAddress('2001:0:4136:e378:8000:63bf:80ff:fffe');
      assert.equal(v?.category, 'teredo');
      assert.equal(v?.embeddedIPv4, '127.0.0.1');
      assert.equal(classifyAddress('2001:0:4136:e378:8000:63bf:f7f7:f7f7')?.category, 'teredo'); // client 8.8.8.8
    });
  });

  describe('the reported attack: local-use NAT64 64:ff9b:1::/48 to cloud metadata', () => {
    const spellings = [
      '64:ff9b:1::a9fe:a9fe',
      '64:FF9B:1::A9FE:A9FE',
      '64:ff9b:1::169.254.169.254',
      '0064:ff9b:0001:0000:0000:0000:a9fe:a9fe',
      '64:ff9b:1:0:0:0:a9fe:a9fe',
      '64:ff9b:1:ffff:ffff:ffff:ffff:ffff',
      '64:ff9b:1::a9fe:a9fe%eth0',
      '64:ff9b:1::808:808', // even a public IPv4: the local translator's mapping is its operator's choice
    ];
    for (const a of spellings) {
      test(`${a} is refused as translation`, () => {
        assert.equal(classifyAddress(a)?.category, 'translation');
      });
    }
    for (const host of ['[64:ff9b:1::a9fe:a9fe]', '[64:FF9B:1::A9FE:A9FE]', '[64:ff9b:1::169.254.169.254]']) {
      test(`the fetcher refuses http://${host}/ before connecting`, async () => {
        await assert.rejects(
          createFetcher({ timeoutMs: 2000 })(`http://${host}/latest/meta-data/`),
          (e: unknown) => e instanceof OpenIDError && e.code === 'fetch_blocked',
        );
      });
    }
    test('the fetcher refuses a name that resolves into 64:ff9b:1::/48', async () => {
      const fetcher = createFetcher({
        timeoutMs: 2000,
        lookup: async () => [{ address: '64:ff9b:1::a9fe:a9fe', family: 6 }],
      });
      await assert.rejects(
        fetcher('http://metadata.attacker.test/'),
        (e: unknown) =>
          e instanceof OpenIDError && e.code === 'fetch_blocked' && /translation/.test(e.message),
      );
    });
  });

  describe('outside the registries', () => {
    test('IPv6 outside 2000::/3 global unicast is refused; global unicast passes', () => {
      for (const a of ['4000::1', 'e000::1', '1::1', 'fec0::1', 'ff02::1'])
        assert.notEqual(classifyAddress(a), null, a);
      for (const a of ['2606:4700::1111', '2a00:1450:4001::200e', '2001:4860:4860::8888']) {
        assert.equal(classifyAddress(a), null, a);
      }
    });
    test('IPv4 multicast refused, ordinary public IPv4 passes', () => {
      assert.equal(classifyAddress('239.1.1.1')?.category, 'multicast');
      for (const a of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '192.0.1.1', '192.88.98.1', '198.20.0.1']) {
        assert.equal(classifyAddress(a), null, a);
      }
    });
  });
});
