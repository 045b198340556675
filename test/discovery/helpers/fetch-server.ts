/**
 * A local HTTP server (127.0.0.1, port 0) for fetcher tests: echo, charset,
 * every redirect status, loops, redirects to file: and into the network,
 * a lazily streamed 50 MiB body, a gzip bomb, a drip, oversized headers.
 */
import { gzipSync } from 'node:zlib';
import { readBody, startServer, type TestServer } from './server.js';

/** One mebibyte. */
export const MiB = 1024 * 1024;

/** What the lazy 50 MiB route managed to write before the client went away. */
export interface FetchServerStats {
  hugeWritten: number;
  hugeClosed: Promise<void>;
}

/** The fetch test server and its stats. */
export interface FetchServer extends TestServer {
  readonly stats: FetchServerStats;
}

/** Starts the fetch test server. */
export async function startFetchServer(): Promise<FetchServer> {
  const stats: FetchServerStats = { hugeWritten: 0, hugeClosed: Promise.resolve() };
  const server = await startServer((req, res, base) => {
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/hello':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-test': 'yes' });
        res.end('hello é');
        return;
      case '/latin1':
        res.writeHead(200, { 'content-type': 'text/html; charset=ISO-8859-1' });
        res.end(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
        return;
      case '/echo':
        void readBody(req).then((body) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ method: req.method, body, headers: req.headers }));
        });
        return;
      case '/r301':
      case '/r302':
      case '/r303':
      case '/r307':
      case '/r308':
        res.writeHead(Number(path.slice(2)), { location: '/echo' });
        res.end('moved');
        return;
      case '/chain':
        res.writeHead(302, { location: `${base}/r302` });
        res.end();
        return;
      case '/loop':
        res.writeHead(302, { location: '/loop' });
        res.end();
        return;
      case '/to-file':
        res.writeHead(302, { location: 'file:///etc/passwd' });
        res.end();
        return;
      case '/to-local':
        res.writeHead(302, { location: `${base}/secret` });
        res.end();
        return;
      case '/to-metadata':
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        res.end();
        return;
      case '/to-other-origin':
        res.writeHead(307, { location: `${base.replace('127.0.0.1', 'other.test')}/echo` });
        res.end();
        return;
      case '/huge': {
        // 50 MiB, written lazily: only as fast as the client reads.
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        stats.hugeWritten = 0;
        stats.hugeClosed = new Promise((resolve) => res.on('close', () => resolve()));
        res.writeHead(200, { 'content-type': 'text/html' });
        const pump = (): void => {
          while (stats.hugeWritten < 50 * MiB && !res.destroyed) {
            stats.hugeWritten += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          if (!res.destroyed) res.end();
        };
        pump();
        return;
      }
      case '/declared-huge':
        res.writeHead(200, { 'content-length': String(50 * MiB) });
        res.write('x');
        return;
      case '/gzip-bomb':
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/html' });
        res.end(gzipSync(Buffer.alloc(8 * MiB, 0)));
        return;
      case '/gzip-ok':
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/plain' });
        res.end(gzipSync(Buffer.from('small and compressed')));
        return;
      case '/drip': {
        res.writeHead(200, { 'content-type': 'text/html' });
        const timer = setInterval(() => res.write('.'), 1000);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/big-headers':
        res.writeHead(200, { 'x-big': 'a'.repeat(8000) });
        res.end('ok');
        return;
      case '/truncated':
        res.writeHead(200, { 'content-length': '100', 'content-type': 'text/plain' });
        res.write('only ten b');
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      case '/status-404':
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('nope');
        return;
      default:
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`path ${path}`);
    }
  });
  return Object.assign(server, { stats });
}
