/**
 * A site of hostile documents for discovery tests: each path serves a fixed
 * body with a content type, on 127.0.0.1. `seen` records every request, so
 * a test can prove a parser fetched nothing it should not have.
 */
import { startServer, type TestServer } from '../discovery/helpers/server.js';

export interface Page {
  type: string;
  body: string | ((base: string) => string);
  headers?: Record<string, string>;
}

export async function startPages(pages: Record<string, Page>): Promise<TestServer> {
  return startServer((req, res, base) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    const page = pages[path];
    if (!page) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': page.type, ...(page.headers ?? {}) });
    res.end(typeof page.body === 'function' ? page.body(base) : page.body);
  });
}
