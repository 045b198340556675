/** Serve an in-process Fetcher (such as FakeOP's) over real HTTP on 127.0.0.1, for tests of child processes. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Fetcher } from '../../src/discovery/fetcher.js';

export async function serveFetcher(
  make: (base: string) => Fetcher,
): Promise<{ base: string; close(): Promise<void> }> {
  let fetcher: Fetcher | null = null;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = `${base}${req.url ?? '/'}`;
      const body = Buffer.concat(chunks).toString('utf8');
      (fetcher as Fetcher)(url, req.method === 'POST' ? { method: 'POST', body } : {}).then(
        (r) => {
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' });
          res.end(Buffer.from(r.body));
        },
        () => res.writeHead(500).end(),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fetcher = make(base);
  return { base, close: () => new Promise<void>((r) => server.close(() => r())) };
}
