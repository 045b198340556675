/** Diffie-Hellman association sessions (spec §8.4) with the default group. */
import { randomBytes } from 'node:crypto';
import { answerDiffieHellman, createConsumerSession } from 'openid2/protocol';
import { type BenchResult, bench } from '../harness.js';

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const [session, assoc, len] of [
    ['DH-SHA256', 'HMAC-SHA256', 32],
    ['DH-SHA1', 'HMAC-SHA1', 20],
  ] as const) {
    const consumer = createConsumerSession(session);
    const request = consumer.requestArgs();
    const macKey = randomBytes(len);
    out.push(
      await bench('dh', `${session} provider answer`, () => answerDiffieHellman(session, request, macKey)),
    );
    out.push(
      await bench('dh', `${session} full exchange (both sides)`, () => {
        const c = createConsumerSession(session);
        const answer = answerDiffieHellman(session, c.requestArgs(), macKey);
        c.extractMacKey(answer, assoc);
      }),
    );
  }
  return out;
}
