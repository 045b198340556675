/**
 * Side by side with node-openid in the same run (issue 10, item 7):
 *  - verifying a valid assertion with a held association (ours: complete()
 *    on a MemoryStore; theirs: verifyAssertion with its association and
 *    discovery caches seeded, no network) at 0 and 10,000 stored nonces;
 *  - starting a login for an identifier whose provider is known (ours:
 *    begin() with a held association, and with 'background'; theirs:
 *    authenticate() with associations on, which discovers and associates
 *    on every call, against a Provider over HTTP on 127.0.0.1).
 * Each of our rows notes the ratio to its node-openid row: ops/s ours ÷
 * theirs, and the median time theirs ÷ ours.
 */

import type { Association } from 'openid2';
import { MemoryQueue, MemoryStore, RelyingParty } from 'openid2';
import { startProviderServer } from '../../test/helpers/op-server.js';
import { type BenchResult, bench, isQuick, note } from '../harness.js';
import { NODE_OPENID_V2, NodeOpenId } from '../node-openid.js';
import {
  CLAIMED_ID,
  makeAssertions,
  makeProvider,
  makeRelyingParty,
  OP_ENDPOINT,
  RP_SECRET,
  returnToOf,
  seedNonces,
  warmUpComplete,
} from '../world.js';

const WARMUP = 20;

function ratio(ours: BenchResult, theirs: BenchResult): Record<string, string> {
  return {
    vs: theirs.name,
    'x ops/s': (ours.opsPerSec / theirs.opsPerSec).toFixed(1),
    'x median': (theirs.medianMs / ours.medianMs).toFixed(1),
  };
}

/** Measures `verify` over `pool` (one assertion each); every one must authenticate. */
async function verifyRow(
  name: string,
  verify: (url: string) => Promise<boolean>,
  pool: readonly string[],
  maxIterations: number,
): Promise<BenchResult> {
  let i = 0;
  let failed = 0;
  const r = await bench(
    'vs node-openid',
    name,
    async () => {
      const url = pool[i++];
      if (url === undefined) throw new Error('assertion pool exhausted');
      if (!(await verify(url))) failed++;
    },
    { warmup: WARMUP, maxIterations },
  );
  if (failed > 0) throw new Error(`${name}: ${failed} valid assertions were not accepted`);
  return r;
}

async function verification(): Promise<BenchResult[]> {
  const quick = isQuick();
  const op = makeProvider();
  const firstStore = new MemoryStore();
  const auth = await makeRelyingParty(op, firstStore).begin(CLAIMED_ID);
  const association = (await firstStore.getAssociation(OP_ENDPOINT)) as Association;
  const measured = quick ? 3_000 : 20_000;
  const seeded = 10_000;
  // Theirs at 10,000 uses the first 10,000 to fill its nonce map, then measures on the rest.
  const pool = await makeAssertions(op, auth.redirectUrl, seeded + measured + WARMUP);
  const provider = { endpoint: OP_ENDPOINT, version: NODE_OPENID_V2, claimedIdentifier: CLAIMED_ID };

  // As in the rp suite: each side's first calls run before V8 has optimized them. Both warm up on
  // an instance of their own (fresh nonces), so the first measured rows are steady state, not
  // compilation: without it ours at 0 nonces sustained ~29k/s against 32k/s in the next row.
  const warmCount = quick ? 500 : 3_000;
  const warmTheirs = new NodeOpenId();
  warmTheirs.holdAssociation(provider, association.handle, association.secret, 'sha256');
  warmTheirs.holdDiscovery(CLAIMED_ID, provider);
  for (const url of pool.slice(0, warmCount)) {
    if (!(await warmTheirs.verify(url, returnToOf(url))))
      throw new Error('node-openid refused a warm-up assertion');
  }
  await warmUpComplete(op, association, auth.state, pool.slice(0, warmCount));

  const out: BenchResult[] = [];
  for (const stored of [0, seeded]) {
    const theirs = new NodeOpenId();
    theirs.holdAssociation(provider, association.handle, association.secret, 'sha256');
    theirs.holdDiscovery(CLAIMED_ID, provider);
    for (const url of pool.slice(0, stored)) {
      if (!(await theirs.verify(url, returnToOf(url))))
        throw new Error('node-openid refused a seeding assertion');
    }
    const theirPool = pool.slice(stored);
    const t = await verifyRow(
      `node-openid verifyAssertion, ${stored.toLocaleString('en-US')} nonces stored`,
      (url) => theirs.verify(url, returnToOf(url)),
      theirPool,
      theirPool.length - WARMUP,
    );

    const store = new MemoryStore();
    await store.storeAssociation(OP_ENDPOINT, association);
    await seedNonces(store, OP_ENDPOINT, stored);
    const rp = makeRelyingParty(op, store);
    const o = await verifyRow(
      `ours complete(), memory store, ${stored.toLocaleString('en-US')} nonces stored`,
      async (url) => (await rp.complete(url, { state: auth.state })).status === 'success',
      pool,
      pool.length - WARMUP,
    );
    out.push(t, note(o, { ...ratio(o, t), target: stored === 0 ? '>=2x' : '>=10x' }));
  }
  return out;
}

async function beginRows(): Promise<BenchResult[]> {
  const server = await startProviderServer();
  try {
    const identity = `${server.base}/id/alice`;
    const returnTo = 'http://127.0.0.1/return';
    const realm = 'http://127.0.0.1/';
    const options = { realm, returnTo, secret: RP_SECRET, fetch: { allowPrivateNetworks: true } };
    const out: BenchResult[] = [];

    const theirs = await bench(
      'vs node-openid',
      'node-openid authenticate(), associations on (HTTP 127.0.0.1)',
      async () => {
        await new NodeOpenId().authenticate(identity, returnTo, realm, false);
      },
      { warmup: 3, maxIterations: isQuick() ? 30 : 200 },
    );
    const theirsStateless = await bench(
      'vs node-openid',
      'node-openid authenticate(), stateless (discovery only, HTTP)',
      async () => {
        await new NodeOpenId().authenticate(identity, returnTo, realm, true);
      },
      { warmup: 3, maxIterations: isQuick() ? 100 : 1_000 },
    );
    out.push(theirs, theirsStateless);

    // Ours: the first begin() discovers and associates; later ones use the cache and the held association.
    const held = new RelyingParty({ ...options, store: new MemoryStore() });
    if (!(await held.begin(identity)).usesAssociation) throw new Error('begin() did not associate');
    let unassociated = 0;
    const o1 = await bench('vs node-openid', "ours begin(), held association ('inline')", async () => {
      if (!(await held.begin(identity)).usesAssociation) unassociated++;
    });
    if (unassociated > 0) throw new Error('begin() stopped using the held association');
    out.push(note(o1, { ...ratio(o1, theirs), target: '>=100x median' }));

    // 'background' with nothing held yet: the login goes stateless and the endpoint is queued, never waited on.
    const queue = new MemoryQueue();
    const background = new RelyingParty({
      ...options,
      store: new MemoryStore(),
      associations: 'background',
      queue,
    });
    await background.begin(identity);
    const o2 = await bench('vs node-openid', "ours begin(), 'background', none held yet", () =>
      background.begin(identity),
    );
    out.push(note(o2, { ...ratio(o2, theirs), target: '>=100x median' }));
    return out;
  } finally {
    await server.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  return [...(await verification()), ...(await beginRows())];
}
