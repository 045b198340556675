/**
 * Memory figures for issue 27 (classes 1 and 2): resident memory while hostile input is thrown at
 * one process. Not part of `npm run bench` (it measures memory, not speed).
 *
 *   node --expose-gc --import tsx bench/memory-bounds.ts bodies [count]
 *   node --expose-gc --import tsx bench/memory-bounds.ts discovery [identifiers]
 *
 * `OPENID2_SRC` points at another checkout's `src/` (e.g. an older commit unpacked with
 * `git archive <commit> src | tar -x -C /tmp/before`) to measure the code before the fix.
 *
 * bodies:    `count` (default 8) concurrent 16 MiB chunked form bodies with no Content-Length, as
 *            streamed Web `Request`s, at rpHandlers.login; reports the peak RSS growth.
 * discovery: `identifiers` (default 1,000) distinct identifiers each serving a ~0.7 MiB XRDS that
 *            lists 19,990 URIs, discovered through one cache configured as the RelyingParty's
 *            default (10 minutes, 1,000 entries); reports the RSS growth with the cache still held.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const src = resolve(process.env['OPENID2_SRC'] ?? new URL('../src', import.meta.url).pathname);
const load = (path: string) => import(pathToFileURL(resolve(src, path)).href);

const MiB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

function rssMiB(): number {
  return process.memoryUsage().rss / MiB;
}

/** Sample RSS every 5 ms while `work` runs; the peak and the end value. */
async function peakDuring(work: () => Promise<void>): Promise<{ peak: number; end: number }> {
  let peak = rssMiB();
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMiB());
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  const end = rssMiB();
  return { peak: Math.max(peak, end), end };
}

async function bodies(count: number): Promise<void> {
  const { rpHandlers } = await load('adapters/web.ts');
  const { RelyingParty } = await load('rp/relying-party.ts');
  const rp = new RelyingParty({
    realm: 'http://127.0.0.1:9/',
    returnTo: 'http://127.0.0.1:9/return',
    secret: 'm'.repeat(40),
  });
  const handlers = rpHandlers(rp, { onSuccess: () => '/' });
  const chunk = new TextEncoder().encode('a'.repeat(64 * 1024));
  const one = async () => {
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent >= 16 * MiB) return c.close();
        sent += chunk.byteLength;
        // A fresh copy per chunk, as a socket would deliver it.
        c.enqueue(chunk.slice());
      },
    });
    const request = new Request('http://127.0.0.1:9/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1:9' },
      body,
      duplex: 'half',
    } as RequestInit);
    const res: Response = await handlers.login(request);
    return { status: res.status, read: sent };
  };
  gc();
  const base = rssMiB();
  let results: { status: number; read: number }[] = [];
  const { peak } = await peakDuring(async () => {
    results = await Promise.all(Array.from({ length: count }, one));
  });
  const statuses = [...new Set(results.map((r) => r.status))].join(',');
  const readMiB = results.reduce((n, r) => n + r.read, 0) / MiB;
  console.log(
    `bodies: ${count} x 16 MiB chunked, src=${src}\n  status ${statuses}; body bytes pulled ${readMiB.toFixed(1)} MiB; RSS before ${base.toFixed(0)} MiB, peak +${(peak - base).toFixed(0)} MiB`,
  );
}

function hugeXrds(host: string): string {
  const uris = Array.from({ length: 19_990 }, (_, i) => `<URI>https://${host}/s/${i}</URI>`).join('');
  return `<?xml version="1.0"?><xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service><Type>http://specs.openid.net/auth/2.0/signon</Type>${uris}</Service></XRD></xrds:XRDS>`;
}

async function discovery(identifiers: number): Promise<void> {
  const { DiscoveryCache } = await load('discovery/cache.ts');
  const { discover } = await load('discovery/discover.ts');
  const cache = new DiscoveryCache({ ttlMs: 10 * 60_000, maxEntries: 1000 });
  const fetcher = async (url: string) => {
    const body = hugeXrds(new URL(url).hostname);
    return {
      url,
      status: 200,
      headers: new Headers({ 'content-type': 'application/xrds+xml' }),
      body: new TextEncoder().encode(body),
      text: () => body,
    };
  };
  gc();
  const base = rssMiB();
  const heapBase = process.memoryUsage().heapUsed / MiB;
  const started = performance.now();
  let endpoints = 0;
  const { peak } = await peakDuring(async () => {
    for (let i = 0; i < identifiers; i++) {
      const r = await discover(`https://h${i}.attacker.example/`, { fetcher, cache });
      endpoints += r.endpoints.length;
      if (i % 50 === 49) gc();
    }
  });
  gc();
  const held = rssMiB();
  const heapHeld = process.memoryUsage().heapUsed / MiB - heapBase;
  const bytes =
    typeof cache.bytes === 'number' ? `, cache estimate ${(cache.bytes / MiB).toFixed(1)} MiB` : '';
  console.log(
    `discovery: ${identifiers} identifiers x 19,990-URI XRDS (${(hugeXrds('h0.attacker.example').length / MiB).toFixed(2)} MiB each), src=${src}\n  endpoints kept ${endpoints} (${(endpoints / identifiers).toFixed(0)} per result), cache entries ${cache.size}${bytes}; RSS before ${base.toFixed(0)} MiB, peak +${(peak - base).toFixed(0)} MiB, held after GC +${(held - base).toFixed(0)} MiB (JS heap in use +${heapHeld.toFixed(1)} MiB) (${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
  // Keep the cache alive until the figure is taken.
  if (cache.size < 0) console.log(cache);
}

const [what, n] = process.argv.slice(2);
if (what === 'bodies') await bodies(Number(n ?? 8));
else if (what === 'discovery') await discovery(Number(n ?? 1000));
else {
  console.error('usage: memory-bounds.ts bodies [count] | discovery [identifiers]');
  process.exitCode = 2;
}
