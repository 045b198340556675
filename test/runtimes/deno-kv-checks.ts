/**
 * Runs inside Deno (bundled by deno-kv.test.ts): the store contract on a
 * real Deno KV, and insert-if-absent under concurrency on one connection
 * and across two connections to one database file. Prints one JSON object
 * `{ check name: observed value }`; the Node test compares with what the
 * contract requires.
 */
import { Association } from '../../src/protocol/association.js';
import { type DenoKvLike, DenoKvStore } from '../../src/stores/deno-kv.js';

declare const Deno: { openKv(path?: string): Promise<DenoKvLike & { close(): void }>; args: string[] };

const dbFile = Deno.args[0] as string;
let t = 1_800_000_000;
const now = () => t;
const server = 'https://op.example/openid';
const secret = (n: number) => new Uint8Array(32).fill(n);
const assoc = (handle: string, issued: number, lifetime = 600) =>
  new Association({ handle, secret: secret(issued % 250), issued, lifetime, assocType: 'HMAC-SHA256' });

const out: Record<string, unknown> = {};
const memory = await Deno.openKv(':memory:');
const store = new DenoKvStore(memory, { now });

out.firstUse = await store.useNonce(server, t - 10, 'abc');
out.secondUse = await store.useNonce(server, t - 10, 'abc');
out.otherSalt = await store.useNonce(server, t - 10, 'abd');
out.otherServer = await store.useNonce('https://op2.example/', t - 10, 'abc');
out.tooOld = await store.useNonce(server, t - 6 * 3600, 'old');
out.future = await store.useNonce(server, t + 6 * 3600, 'future');

const race = await Promise.all(Array.from({ length: 100 }, () => store.useNonce(server, t - 5, 'race')));
out.raceOneConnection = race.filter(Boolean).length;

const a = await Deno.openKv(dbFile);
const b = await Deno.openKv(dbFile);
const sa = new DenoKvStore(a, { now });
const sb = new DenoKvStore(b, { now });
out.crossSequential = [
  await sa.useNonce(server, t - 5, 'seq'),
  await sb.useNonce(server, t - 5, 'seq'),
  await sa.useNonce(server, t - 5, 'seq'),
];
// Two connections to one local file contend for SQLite's lock. The store retries a
// commit that found it locked until its deadline; a call still failing then is a
// StoreError store_unavailable (that login fails), never a bare error, never a second true.
const cross = await Promise.allSettled(
  Array.from({ length: 60 }, (_, i) => (i % 2 ? sa : sb).useNonce(server, t - 5, 'cross')),
);
out.raceTwoConnectionsAccepted = cross.filter((r) => r.status === 'fulfilled' && r.value).length;
out.raceTwoConnectionsFailures = cross.flatMap((r) =>
  r.status === 'rejected' ? [`${(r.reason as Error).name}:${(r.reason as { code?: string }).code}`] : [],
);
a.close();
b.close();

await store.storeAssociation(server, assoc('h1', t - 100));
await store.storeAssociation(server, assoc('h2', t - 50));
await store.storeAssociation(server, assoc('old', t - 1000, 600));
out.byHandle = (await store.getAssociation(server, 'h1'))?.handle ?? null;
out.newest = (await store.getAssociation(server))?.handle ?? null;
out.expiredNotStored = await store.getAssociation(server, 'old');
out.otherServerEmpty = await store.getAssociation('https://op2.example/');
out.roundTripSecret =
  Array.from((await store.getAssociation(server, 'h2'))?.secret ?? []).join(',') ===
  Array.from(secret((t - 50) % 250)).join(',');
out.removeFirst = await store.removeAssociation(server, 'h2');
out.removeAgain = await store.removeAssociation(server, 'h2');
out.newestAfterRemove = (await store.getAssociation(server))?.handle ?? null;
t += 700; // h1 (issued t-100, 600 s) has expired now
out.expiredByClock = await store.getAssociation(server, 'h1');
out.cleanupAssociations = await store.cleanupAssociations();

console.log(JSON.stringify(out));
memory.close();
