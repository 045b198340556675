/**
 * Relying party complete() (issue 10, items 2 and 3): a valid assertion
 * verified with a held association, on each store, with 0, 10,000 and
 * 100,000 nonces already stored (the cost per login must stay flat); and
 * stateless complete(), which asks the provider over HTTP on 127.0.0.1
 * (check_authentication).
 */
import type { Association } from 'openid2';
import { MemoryStore } from 'openid2';
import { startProviderServer } from '../../test/helpers/op-server.js';
import { type BenchResult, bench, isQuick, note, skipped } from '../harness.js';
import { openBenchStore, type StoreKind } from '../store-kinds.js';
import {
  CLAIMED_ID,
  makeAssertions,
  makeProvider,
  makeRelyingParty,
  OP_ENDPOINT,
  REALM,
  RETURN_TO,
  RP_SECRET,
  seedNonces,
  warmUpComplete,
} from '../world.js';

const WARMUP = 50;

/** Runs complete() over a pool of assertions, one each; every result must be a success. */
async function benchComplete(
  name: string,
  complete: (url: string) => Promise<{ status: string }>,
  pool: readonly string[],
): Promise<BenchResult> {
  let i = 0;
  let failed = 0;
  let lastFailure = '';
  const r = await bench(
    'rp complete',
    name,
    async () => {
      const url = pool[i++];
      if (url === undefined) throw new Error('assertion pool exhausted');
      const result = await complete(url);
      if (result.status !== 'success') {
        failed++;
        lastFailure = JSON.stringify(result);
      }
    },
    { warmup: WARMUP, maxIterations: pool.length - WARMUP },
  );
  if (failed > 0) throw new Error(`${name}: ${failed} logins failed, e.g. ${lastFailure}`);
  return r;
}

/** Memory, SQLite, PostgreSQL, Redis at each nonce count. */
async function withAssociation(): Promise<BenchResult[]> {
  const quick = isQuick();
  const op = makeProvider();
  // begin() discovers alice and associates (DH-SHA256) through the in-process fetcher.
  const first = new MemoryStore();
  const auth = await makeRelyingParty(op, first).begin(CLAIMED_ID);
  const association = (await first.getAssociation(OP_ENDPOINT)) as Association;
  if (!auth.usesAssociation || association === null) throw new Error('begin() did not associate');
  const memoryPool = await makeAssertions(op, auth.redirectUrl, quick ? 4_000 : 40_000);
  const dbPool = memoryPool.slice(0, quick ? 1_500 : 8_000);

  // So that the first row measures what the others do, not V8 compiling complete().
  await warmUpComplete(op, association, auth.state, memoryPool.slice(0, quick ? 500 : 3_000));

  const out: BenchResult[] = [];
  const plan: [StoreKind, number[]][] = [
    ['memory', [0, 10_000, 100_000]],
    ['sqlite', quick ? [0, 10_000] : [0, 10_000, 100_000]],
    ['postgres', quick ? [0, 10_000] : [0, 10_000, 100_000]],
    ['redis', quick ? [0, 10_000] : [0, 10_000, 100_000]],
  ];
  for (const [kind, counts] of plan) {
    for (const stored of counts) {
      const name = `${kind}, association, ${stored.toLocaleString('en-US')} nonces stored`;
      const opened = await openBenchStore(kind);
      if ('skip' in opened) {
        out.push(skipped('rp complete', name, opened.skip));
        continue;
      }
      try {
        await opened.store.storeAssociation(OP_ENDPOINT, association);
        const budgetMs = quick ? 20_000 : 90_000;
        if (!(await seedNonces(opened.store, OP_ENDPOINT, stored, { budgetMs }))) {
          out.push(
            skipped('rp complete', name, `storing ${stored} nonces would take over ${budgetMs / 1000} s now`),
          );
          continue;
        }
        const rp = makeRelyingParty(op, opened.store);
        const r = await benchComplete(
          name,
          (url) => rp.complete(url, { state: auth.state }),
          kind === 'memory' ? memoryPool : dbPool,
        );
        out.push(kind === 'memory' ? note(r, { target: '>=30,000/s, flat' }) : r);
      } finally {
        await opened.dispose();
      }
    }
  }
  return out;
}

/** Stateless: every complete() POSTs check_authentication to a Provider over HTTP on 127.0.0.1. */
async function stateless(): Promise<BenchResult> {
  const server = await startProviderServer({
    // Each stateless assertion has its own private association, removed when checked.
    store: new MemoryStore({ maxAssociations: 1_000_000 }),
  });
  try {
    const { RelyingParty } = await import('openid2');
    const rp = new RelyingParty({
      realm: REALM,
      returnTo: RETURN_TO,
      secret: RP_SECRET,
      store: null,
      fetch: { allowPrivateNetworks: true },
    });
    const auth = await rp.begin(`${server.base}/id/alice`);
    const pool = await makeAssertions(server.op, auth.redirectUrl, isQuick() ? 1_000 : 5_000);
    const r = await benchComplete(
      'stateless, check_authentication over HTTP (127.0.0.1)',
      (url) => rp.complete(url, { state: auth.state }),
      pool,
    );
    const checks = server.log.filter((m) => m === 'check_authentication').length;
    return note(r, { 'check_auth requests': String(checks) });
  } finally {
    await server.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  return [...(await withAssociation()), await stateless()];
}
