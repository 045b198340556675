/** The Node-free IP syntax, subnet and IDNA helpers (src/platform/ip.ts, idna.ts) answer as node:net / node:url do. */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import net from 'node:net';
import { describe, test } from 'node:test';
import { domainToASCII } from 'node:url';
import { domainToAscii } from '../../src/platform/idna.js';
import { inSubnet, isIPv4, isIPv6, subnet } from '../../src/platform/ip.js';

const TRICKY = [
  '',
  '1.2.3.4',
  '255.255.255.255',
  '256.1.1.1',
  '01.2.3.4',
  '1.2.3',
  '1.2.3.4.5',
  '0x7f.0.0.1',
  ' 1.2.3.4',
  '1.2.3.4 ',
  '::',
  '::1',
  '1::',
  '1:2:3:4:5:6:7:8',
  '1:2:3:4:5:6:7:8:9',
  '1::2::3',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '::01.2.3.4',
  '::1.2.3',
  '1:2:3:4:5:6:1.2.3.4',
  '1:2:3:4:5:6:7:1.2.3.4',
  '00001::',
  'fe80::1%eth0',
  'fe80::1%',
  'fe80::1%a b',
  'g::1',
  ':1',
  '1:',
  ':::',
  '[::1]',
  'FFFF::',
  '2001:db8::',
  '64:ff9b::1.2.3.4',
  '1.2.3.4::',
];

function randomCandidate(): string {
  const alphabet = '0123456789abcdef:.%';
  let s = '';
  const n = randomInt(1, 20);
  for (let i = 0; i < n; i++) s += alphabet[randomInt(0, alphabet.length)];
  return s;
}

describe('isIPv4 / isIPv6 as node:net', () => {
  test('tricky spellings', () => {
    for (const s of TRICKY) {
      assert.equal(isIPv4(s), net.isIPv4(s), `isIPv4(${JSON.stringify(s)})`);
      assert.equal(isIPv6(s), net.isIPv6(s), `isIPv6(${JSON.stringify(s)})`);
    }
  });
  test('3000 random strings over the address alphabet', () => {
    for (let i = 0; i < 3000; i++) {
      const s = randomCandidate();
      assert.equal(isIPv4(s), net.isIPv4(s), `isIPv4(${JSON.stringify(s)})`);
      assert.equal(isIPv6(s), net.isIPv6(s), `isIPv6(${JSON.stringify(s)})`);
    }
  });
});

describe('subnets as net.BlockList', () => {
  const blocks: [string, number, 'ipv4' | 'ipv6'][] = [
    ['10.0.0.0', 8, 'ipv4'],
    ['127.0.0.0', 8, 'ipv4'],
    ['192.0.0.0', 29, 'ipv4'],
    ['0.0.0.0', 0, 'ipv4'],
    ['::ffff:0:0', 96, 'ipv6'],
    ['2001::', 32, 'ipv6'],
    ['2000::', 3, 'ipv6'],
    ['fe80::', 10, 'ipv6'],
    ['::1', 128, 'ipv6'],
  ];
  const addresses = [
    '10.1.2.3',
    '11.0.0.1',
    '127.0.0.1',
    '192.0.0.7',
    '192.0.0.8',
    '::ffff:10.0.0.1',
    '::ffff:7f00:1',
    '2001::1',
    '2001:1::1',
    '2400::1',
    '1fff::1',
    'fe80::1',
    'febf::1',
    'fec0::1',
    '::1',
    '::2',
    '8.8.8.8',
  ];
  test('every address against every block', () => {
    for (const [net0, len, family] of blocks) {
      const list = new net.BlockList();
      list.addSubnet(net0, len, family);
      const ours = subnet(net0, len, family);
      for (const a of addresses) {
        assert.equal(
          inSubnet(ours, a),
          list.check(a, net.isIPv4(a) ? 'ipv4' : 'ipv6'),
          `${a} in ${net0}/${len}`,
        );
      }
    }
  });
  test('random IPv4 addresses against random IPv4 blocks', () => {
    const q = () => `${randomInt(256)}.${randomInt(256)}.${randomInt(256)}.${randomInt(256)}`;
    for (let i = 0; i < 500; i++) {
      const [n, len, a] = [q(), randomInt(0, 33), q()];
      const list = new net.BlockList();
      list.addSubnet(n, len, 'ipv4');
      assert.equal(inSubnet(subnet(n, len, 'ipv4'), a), list.check(a, 'ipv4'), `${a} in ${n}/${len}`);
    }
  });
});

describe('domainToAscii as url.domainToASCII', () => {
  const domains = [
    'example.com',
    'EXAMPLE.com',
    'münchen.de',
    'xn--mnchen-3ya.de',
    'a..b',
    '.',
    'a.',
    '日本.jp',
    'a b',
    'a@b',
    'a:80',
    '0x7f.1',
    '127.1',
    '%41',
    'a%2Fb',
    'xn--a',
    'ß.de',
    'Ⅷ.example',
    'a\u00adb',
    '-a.com',
    'a_b.com',
    '\u0000',
    ' a',
    'a ',
    '',
    'a'.repeat(70),
  ];
  for (const d of domains) {
    test(JSON.stringify(d), () => assert.equal(domainToAscii(d), domainToASCII(d)));
  }
  // Node cuts the host at a URL delimiter or strips tabs and newlines ('a/b' gives 'a'); this refuses
  // the whole input, and the callers (urinorm, realm-url) refuse these characters before asking.
  for (const d of ['a/b', 'a?b', 'a#b', 'a\\b', '[::1]', '\ta', 'a\n']) {
    test(`${JSON.stringify(d)} is refused outright`, () => assert.equal(domainToAscii(d), ''));
  }
});
