/**
 * The demo on a taken port moves to the next free one and says so (issue 20),
 * and answers a request on another host with a redirect to its one origin.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { startDemo } from '../../demo/server.js';
import { freePort } from '../adapters/free-port.js';

test('a taken port: the demo listens on the next free one and reports it; other hosts are sent to its origin', async () => {
  const port = await freePort();
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
  const demo = await startDemo({ port, store: 'memory:', onError: () => {} });
  try {
    const used = Number(new URL(demo.url).port);
    assert.notEqual(used, port);
    assert.ok(used > port && used <= port + 20, `port ${used}`);
    assert.equal(demo.portNote, `port ${port} is taken; using ${used}`);
    const other = await fetch(`http://localhost:${used}/op/login?rid=x`, { redirect: 'manual' });
    assert.equal(other.status, 303);
    assert.equal(other.headers.get('location'), `http://127.0.0.1:${used}/op/login?rid=x`);
    const missing = await fetch(`${demo.url}no/such/page`);
    assert.equal(missing.status, 404);
    assert.match(missing.headers.get('content-type') ?? '', /^text\/html/);
  } finally {
    await demo.close();
    blocker.close();
  }
});
