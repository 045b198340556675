/**
 * Store `useNonce` throughput (issue 10, item 5): each store, one client
 * (one call at a time) and 8 concurrent callers. Every nonce is new, so each
 * call is the accepting path (an insert); the count of refusals is checked.
 */
import { type BenchResult, bench, isQuick, note, skipped } from '../harness.js';
import { openBenchStore, type StoreKind } from '../store-kinds.js';

const KINDS: readonly StoreKind[] = ['memory', 'file', 'sqlite', 'postgres', 'mysql', 'redis'];
const SERVER = 'https://op.example/openid';

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const maxIterations = isQuick() ? 5_000 : 50_000;
  for (const kind of KINDS) {
    const opened = await openBenchStore(kind);
    if ('skip' in opened) {
      out.push(skipped('store useNonce', `${kind}, 1 client`, opened.skip));
      out.push(skipped('store useNonce', `${kind}, 8 concurrent`, opened.skip));
      continue;
    }
    try {
      const now = Math.floor(Date.now() / 1000);
      let n = 0;
      let refused = 0;
      const use = async () => {
        if (!(await opened.store.useNonce(SERVER, now, `s${n++}`))) refused++;
      };
      for (const concurrency of [1, 8]) {
        const r = await bench(
          'store useNonce',
          `${kind}, ${concurrency === 1 ? '1 client' : '8 concurrent'}`,
          use,
          { concurrency, maxIterations, warmup: 20 },
        );
        out.push(note(r, { at: opened.where }));
      }
      if (refused > 0) throw new Error(`${kind}: ${refused} fresh nonces were refused`);
    } finally {
      await opened.dispose();
    }
  }
  return out;
}
