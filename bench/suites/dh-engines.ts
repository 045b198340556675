/**
 * Diffie-Hellman engines side by side, default 1024-bit group: OpenSSL
 * through node:crypto (the Node, Bun and Deno path) and plain BigInt (the
 * Web path, for runtimes without node:crypto). "per associate" is what one
 * side of an associate exchange costs: its public value plus the shared
 * secret (two modular exponentiations with a 256-bit exponent).
 */
import { DEFAULT_DH_GENERATOR, DEFAULT_DH_MODULUS, type DhEngine, DhGroup } from 'openid2/protocol';
import { type BenchResult, bench, note } from '../harness.js';

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  for (const engine of ['node', 'bigint'] as const satisfies readonly DhEngine[]) {
    const group = new DhGroup(DEFAULT_DH_MODULUS, DEFAULT_DH_GENERATOR, engine);
    const peer = group.publicKey(group.randomPrivateKey());
    const label = engine === 'node' ? 'node:crypto' : 'BigInt';
    const r = await bench(
      'dh-engine',
      `${label}: one side of an associate (public value + shared secret)`,
      () => {
        const x = group.randomPrivateKey();
        group.publicKey(x);
        group.sharedSecret(x, peer);
      },
      { warmup: 20 },
    );
    out.push(note(r, { engine, modulusBits: 1024, exponentBits: 256 }));
  }
  return out;
}
