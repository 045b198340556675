import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  classifyAddress,
  matchesHostRules,
  parseHostRules,
  parseIPv6,
} from '../../src/discovery/address-policy.js';

describe('classifyAddress', () => {
  const refused: Array<[string, string]> = [
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.5', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['fc00::1', 'unique-local'],
    ['fdff:ffff::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
  ];
  for (const [address, category] of refused) {
    test(`refuses ${address} as ${category}`, () => {
      assert.equal(classifyAddress(address)?.category, category);
    });
  }

  test('judges the IPv4 address inside IPv4-mapped IPv6 (both spellings)', () => {
    assert.deepEqual(classifyAddress('::ffff:127.0.0.1'), {
      category: 'loopback',
      embeddedIPv4: '127.0.0.1',
      block: '127.0.0.0/8',
    });
    assert.deepEqual(classifyAddress('::ffff:7f00:1'), {
      category: 'loopback',
      embeddedIPv4: '127.0.0.1',
      block: '127.0.0.0/8',
    });
    assert.deepEqual(classifyAddress('::ffff:a9fe:a9fe'), {
      category: 'link-local',
      embeddedIPv4: '169.254.169.254',
      block: '169.254.0.0/16',
    });
    assert.equal(classifyAddress('::ffff:8.8.8.8'), null);
  });

  test('judges the IPv4 address inside NAT64 and 6to4 addresses', () => {
    assert.equal(classifyAddress('64:ff9b::10.0.0.1')?.category, 'private');
    assert.equal(classifyAddress('2002:7f00:1::')?.category, 'loopback');
    assert.equal(classifyAddress('2002:0808:0808::1'), null);
  });

  test('lets global unicast addresses through', () => {
    for (const address of ['8.8.8.8', '93.184.216.34', '172.32.0.1', '100.128.0.1', '2606:4700::1111']) {
      assert.equal(classifyAddress(address), null, address);
    }
  });

  test('fails closed on something that is not an IP address', () => {
    assert.notEqual(classifyAddress('localhost'), null);
  });

  test('parseIPv6 expands compressed forms and embedded IPv4', () => {
    assert.equal(parseIPv6('::1'), 1n);
    assert.equal(parseIPv6('::ffff:1.2.3.4'), (0xffffn << 32n) | 0x01020304n);
    assert.equal(parseIPv6('1::'), 1n << 112n);
    assert.equal(parseIPv6('not-an-ip'), null);
  });
});

describe('host rules', () => {
  test('match an exact host, ignoring case and a trailing dot', () => {
    const rules = parseHostRules(['OP.example']);
    assert.ok(matchesHostRules(rules, 'op.example.'));
    assert.ok(!matchesHostRules(rules, 'sub.op.example'));
  });

  test('match subdomains with *. but not the bare domain or a look-alike suffix', () => {
    const rules = parseHostRules(['*.corp.example']);
    assert.ok(matchesHostRules(rules, 'sso.corp.example'));
    assert.ok(!matchesHostRules(rules, 'corp.example'));
    assert.ok(!matchesHostRules(rules, 'evilcorp.example'));
  });

  test('match CIDR ranges and addresses against the resolved address', () => {
    const rules = parseHostRules(['10.1.0.0/16', 'fd00::/8', '192.0.2.7']);
    assert.ok(matchesHostRules(rules, 'intranet.example', '10.1.2.3'));
    assert.ok(!matchesHostRules(rules, 'intranet.example', '10.2.0.1'));
    assert.ok(matchesHostRules(rules, 'v6.example', 'fd12::1'));
    assert.ok(matchesHostRules(rules, '192.0.2.7'));
  });

  test('refuse malformed rules', () => {
    assert.throws(() => parseHostRules(['10.0.0.0/33']), TypeError);
    assert.throws(() => parseHostRules(['']), TypeError);
  });
});
