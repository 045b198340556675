/**
 * A Worker run by durable-object-store.test.ts in workerd: exports the
 * store's Durable Object and answers `/` with the observed results of the
 * store contract checks (a JSON object), the concurrent ones included.
 */
import { Association } from '../../src/protocol/association.js';
import { type DurableObjectNamespaceLike, DurableObjectStore } from '../../src/stores/durable-object.js';

export { OpenIDStoreObject } from '../../src/stores/durable-object.js';

const server = 'https://op.example/openid';
const secret = (n: number) => new Uint8Array(32).fill(n);

async function checks(ns: DurableObjectNamespaceLike): Promise<Record<string, unknown>> {
  let t = 1_800_000_000;
  const now = () => t;
  // Two clients of one instance, as two isolates of a Worker would be.
  const name = `run-${crypto.randomUUID()}`;
  const store = new DurableObjectStore(ns, { now, name });
  const other = new DurableObjectStore(ns, { now, name });
  const assoc = (handle: string, issued: number, lifetime = 600) =>
    new Association({ handle, secret: secret(issued % 250), issued, lifetime, assocType: 'HMAC-SHA256' });
  const out: Record<string, unknown> = {};
  out.firstUse = await store.useNonce(server, t - 10, 'abc');
  out.secondUse = await store.useNonce(server, t - 10, 'abc');
  out.secondUseOtherClient = await other.useNonce(server, t - 10, 'abc');
  out.otherSalt = await store.useNonce(server, t - 10, 'abd');
  out.tooOld = await store.useNonce(server, t - 6 * 3600, 'old');
  const race = await Promise.all(
    Array.from({ length: 100 }, (_, i) => (i % 2 ? store : other).useNonce(server, t - 5, 'race')),
  );
  out.raceAccepted = race.filter(Boolean).length;

  await store.storeAssociation(server, assoc('h1', t - 100));
  await store.storeAssociation(server, assoc('h2', t - 50));
  out.byHandle = (await other.getAssociation(server, 'h1'))?.handle ?? null;
  out.newest = (await store.getAssociation(server))?.handle ?? null;
  out.removeFirst = await store.removeAssociation(server, 'h2');
  out.removeAgain = await store.removeAssociation(server, 'h2');
  out.newestAfterRemove = (await store.getAssociation(server))?.handle ?? null;
  t += 700;
  out.expiredByClock = await store.getAssociation(server, 'h1');
  out.cleanupAssociations = await store.cleanupAssociations();
  t += 6 * 3600;
  out.cleanupNonces = await store.cleanupNonces();
  return out;
}

export default {
  async fetch(_request: Request, env: { STORE: DurableObjectNamespaceLike }): Promise<Response> {
    try {
      return Response.json(await checks(env.STORE));
    } catch (e) {
      return new Response(String(e instanceof Error ? e.stack : e), { status: 500 });
    }
  },
};
