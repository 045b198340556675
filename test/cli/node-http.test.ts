import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { nodeListener } from '../../src/adapters/node-http.js';

describe('node http <-> Web Request bridge', () => {
  let server: Server;
  let base = '';
  const errors: unknown[] = [];
  before(async () => {
    server = createServer(
      nodeListener(
        async (req) => {
          const url = new URL(req.url);
          if (url.pathname === '/boom') throw new Error('boom');
          const headers = new Headers({ 'content-type': 'application/json' });
          headers.append('set-cookie', 'a=1; Path=/');
          headers.append('set-cookie', 'b=2; Path=/');
          return new Response(
            JSON.stringify({ method: req.method, path: url.pathname, q: url.search, body: await req.text() }),
            { status: 201, headers },
          );
        },
        { maxBodyBytes: 1000, onError: (e) => errors.push(e) },
      ),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('passes method, path, query and body through and keeps every Set-Cookie', async () => {
    const res = await fetch(`${base}/x?y=1`, { method: 'POST', body: 'a=b' });
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { method: 'POST', path: '/x', q: '?y=1', body: 'a=b' });
    assert.deepEqual(res.headers.getSetCookie(), ['a=1; Path=/', 'b=2; Path=/']);
  });

  test('answers 413 for a body over the limit', async () => {
    const res = await fetch(`${base}/x`, { method: 'POST', body: 'x'.repeat(5000) });
    assert.equal(res.status, 413);
  });

  test('answers 500 and reports a thrown error', async () => {
    const res = await fetch(`${base}/boom`);
    assert.equal(res.status, 500);
    assert.ok(errors.some((e) => e instanceof Error && e.message === 'boom'));
  });
});
