import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';

/** Runs the CLI as a child process, as a user would (async: the test's own server must keep answering). */
function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('openid2 discover', () => {
  let server: Server;
  let base = '';
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/alice') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(
          `<html><head><link rel="openid2.provider" href="${base}/op"><link rel="openid2.local_id" href="${base}/id/alice"></head></html>`,
        );
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('--json lists the endpoints of an identity page', async () => {
    const r = await cli('discover', `${base}/alice`, '--json', '--allow-private-networks');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, true);
    assert.equal(out.claimedId, `${base}/alice`);
    assert.equal(out.endpoints.length, 1);
    assert.deepEqual(
      [
        out.endpoints[0].version,
        out.endpoints[0].opEndpoint,
        out.endpoints[0].localId,
        out.endpoints[0].source,
      ],
      ['2.0', `${base}/op`, `${base}/id/alice`, 'html'],
    );
    assert.equal(typeof out.elapsedMs, 'number');
  });

  test('text output names the endpoint', async () => {
    const r = await cli('discover', `${base}/alice`, '--allow-private-networks');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /OpenID 2\.0 via html/);
    assert.match(r.stdout, new RegExp(`OP endpoint: ${base}/op`));
  });

  test('the SSRF guard applies by default: loopback is refused with exit 1', async () => {
    const r = await cli('discover', `${base}/alice`, '--json');
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, false);
    assert.match(out.code, /blocked|private|ssrf/i);
  });

  test('a page without OpenID links fails with exit 1 and a readable reason', async () => {
    const r = await cli('discover', `${base}/nothing`, '--allow-private-networks');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /openid2 discover: .+\(\w+\)/);
  });

  test('usage errors exit 2; --help exits 0', async () => {
    assert.equal((await cli('discover')).code, 2);
    assert.equal((await cli('discover', 'a', 'b')).code, 2);
    assert.equal((await cli('discover', 'x', '--bogus')).code, 2);
    assert.equal((await cli('discover', 'x', '--timeout-ms', 'abc')).code, 2);
    const h = await cli('discover', '--help');
    assert.equal(h.code, 0);
    assert.match(h.stdout, /Usage: openid2 discover/);
    assert.match((await cli('--help')).stdout, /discover/);
  });
});
