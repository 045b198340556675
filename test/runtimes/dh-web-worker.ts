/**
 * A Worker with no Node compatibility at all (selection.test.ts runs it in
 * workerd without `nodejs_compat`): the Diffie-Hellman group must load,
 * pick the BigInt engine by itself, and compute what the test sends.
 */
import { DEFAULT_DH_GENERATOR, DEFAULT_DH_MODULUS, getDhGroup } from '../../src/protocol/dh-group.js';

export default {
  async fetch(request: Request): Promise<Response> {
    const { privates, peer } = (await request.json()) as { privates: string[]; peer: string };
    const group = getDhGroup(DEFAULT_DH_MODULUS, DEFAULT_DH_GENERATOR);
    const g = globalThis as { Buffer?: unknown; process?: unknown };
    return Response.json({
      nodeGlobals: g.Buffer !== undefined || g.process !== undefined,
      engine: group.engine,
      publics: privates.map((x) => group.publicKey(BigInt(x)).toString()),
      shared: group.sharedSecret(BigInt(privates[0] as string), BigInt(peer)).toString(),
      randomKeyIsShort: group.randomPrivateKey() < 2n ** 256n,
    });
  },
};
