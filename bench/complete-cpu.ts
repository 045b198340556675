/**
 * CPU cost of one complete() on a MemoryStore with a held association, in
 * µs of this process's CPU per login (issue 25). Not a suite of
 * `npm run bench`: a probe for comparing commits on a shared machine, where
 * CPU time moves far less than wall-clock time with the load.
 *
 *   node --expose-gc --import tsx bench/complete-cpu.ts [logins per round] [rounds]
 *
 * With `PROF=file.cpuprofile` it also writes a V8 CPU profile of the
 * measured rounds only (not the setup that signs the assertions).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { MemoryStore } from 'openid2';
import { CLAIMED_ID, makeAssertions, makeProvider, makeRelyingParty, OP_ENDPOINT } from './world.js';

const per = Number(process.argv[2] ?? 6000);
const rounds = Number(process.argv[3] ?? 5);
const warm = 3000;
const op = makeProvider();
const first = new MemoryStore();
const auth = await makeRelyingParty(op, first).begin(CLAIMED_ID);
const association = await first.getAssociation(OP_ENDPOINT);
if (association === null) throw new Error('begin() did not associate');
const pool = await makeAssertions(op, auth.redirectUrl, warm + per * rounds);
const store = new MemoryStore();
await store.storeAssociation(OP_ENDPOINT, association);
const rp = makeRelyingParty(op, store);

async function login(url: string | undefined): Promise<void> {
  if (url === undefined) throw new Error('assertion pool exhausted');
  const r = await rp.complete(url, { state: auth.state });
  if (r.status !== 'success') throw new Error(JSON.stringify(r));
}

let i = 0;
for (; i < warm; i++) await login(pool[i]);
(globalThis as { gc?: () => void }).gc?.();

const profileTo = process.env['PROF'];
const session = profileTo ? new Session() : null;
const post = (method: string, params: object = {}) =>
  new Promise<unknown>((resolve, reject) =>
    session?.post(method, params, (e, r) => (e ? reject(e) : resolve(r))),
  );
if (session) {
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 50 });
  await post('Profiler.start');
}

const out: string[] = [];
let best = Number.POSITIVE_INFINITY;
for (let r = 0; r < rounds; r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let k = 0; k < per; k++, i++) await login(pool[i]);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuUs = (c.user + c.system) / per;
  best = Math.min(best, cpuUs);
  out.push(`${cpuUs.toFixed(1)}µs/${Math.round((per / wall) * 1000)}/s`);
}
if (session && profileTo) {
  const { profile } = (await post('Profiler.stop')) as { profile: unknown };
  writeFileSync(profileTo, JSON.stringify(profile));
}
console.log(
  `best ${best.toFixed(1)} µs cpu/op (${Math.round(1e6 / best)} ops/cpu-s)  rounds: ${out.join(' ')}`,
);
