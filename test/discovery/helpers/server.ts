/**
 * A local HTTP server for discovery and fetcher tests: 127.0.0.1, port 0,
 * closed (with its open connections) by `close()`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse, base: string) => void;

export interface TestServer {
  /** `http://127.0.0.1:<port>` without a trailing slash. */
  readonly base: string;
  readonly port: number;
  /** Every request path the server saw, in order. */
  readonly seen: string[];
  readonly server: Server;
  close(): Promise<void>;
}

/** Starts a server whose handler gets the base URL too (for absolute Location headers). */
export async function startServer(handler: Handler): Promise<TestServer> {
  const seen: string[] = [];
  let base = '';
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    handler(req, res, base);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return {
    base,
    port,
    seen,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Reads a request body as text. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
