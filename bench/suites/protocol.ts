/** Protocol core: key-value form, message parsing, signing and verification. */
import { randomBytes } from 'node:crypto';
import { Association } from 'openid2';
import { kvform, Message, OPENID_NS, signMessage, verifyMessageSignature } from 'openid2/protocol';
import { type BenchResult, bench } from '../harness.js';

export async function run(): Promise<BenchResult[]> {
  const assoc = new Association({
    handle: 'bench-handle',
    secret: randomBytes(32),
    issued: Math.floor(Date.now() / 1000),
    lifetime: 3600,
    assocType: 'HMAC-SHA256',
  });
  const assertion = () =>
    Message.create('2.0')
      .set(OPENID_NS, 'mode', 'id_res')
      .set(OPENID_NS, 'op_endpoint', 'https://op.example/server')
      .set(OPENID_NS, 'claimed_id', 'https://op.example/id/alice')
      .set(OPENID_NS, 'identity', 'https://op.example/id/alice')
      .set(OPENID_NS, 'return_to', 'https://rp.example/return?sid=abc')
      .set(OPENID_NS, 'response_nonce', '2026-11-22T10:00:00Zabcdef');
  const signed = signMessage(assertion(), assoc);
  const url = signed.toURL('https://rp.example/return?sid=abc');
  const kv = signed.toKVForm();
  return [
    await bench('protocol', 'kvform parse (assertion)', () => kvform.parse(kv)),
    await bench('protocol', 'Message.fromQuery (assertion URL)', () => Message.fromQuery(url)),
    await bench('protocol', 'sign assertion HMAC-SHA256', () => signMessage(assertion(), assoc)),
    await bench('protocol', 'parse + verify assertion HMAC-SHA256', () =>
      verifyMessageSignature(Message.fromQuery(url), assoc),
    ),
  ];
}
