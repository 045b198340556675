/**
 * `openid2 check` against the demo provider, a provider that refuses
 * associations, one that answers 500, and an unreachable host; and the CLI's
 * guidance: --version, did-you-mean, a short usage line, the loosening flag.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import '../../src/cli/commands.js';
import { startDemo } from '../../demo/server.js';
import { runCli } from '../../src/cli/run.js';
import { freePort } from '../helpers/faults.js';

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
  });
  return { code, stdout, stderr };
}

interface Item {
  item: string;
  verdict: string;
  detail: string;
  code?: string;
}
const verdicts = (items: Item[]) => Object.fromEntries(items.map((i) => [i.item, i.verdict]));

/** An identifier page naming /op, whose /op answers associate requests with `answer`. */
async function provider(answer: {
  status: number;
  type: string;
  body: string;
}): Promise<{ base: string; close(): Promise<void> }> {
  let base = '';
  const server: Server = createServer((req, res) => {
    if (req.url === '/op' && req.method === 'POST') {
      res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end(`<html><head><link rel="openid2.provider" href="${base}/op"></head></html>`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('openid2 check', () => {
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'openid2-check-'));
    demo = await startDemo({ port: 0, store: 'memory:', accounts: join(dir, 'accounts.db') });
  });
  after(async () => {
    await demo.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the demo provider: discovery chooses its 2.0 endpoint, DH pairs associate, plain http is a warning', async () => {
    const r = await cli('check', demo.providerUrl, '--json', '--allow-private-networks', '--realm', demo.url);
    const out = JSON.parse(r.stdout) as { ok: boolean; items: Item[] };
    const v = verdicts(out.items);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(out.ok, true);
    assert.equal(v['service 1'], 'pass');
    assert.equal(v['discovery'], 'pass');
    assert.match(
      out.items.find((i) => i.item === 'discovery')?.detail ?? '',
      /chosen .*\/op\/openid — the first OpenID 2\.0 service/,
    );
    assert.equal(v['associate HMAC-SHA256/DH-SHA256'], 'pass');
    assert.equal(v['associate HMAC-SHA1/DH-SHA1'], 'pass');
    assert.equal(v['associate HMAC-SHA256/no-encryption'], 'skip');
    assert.equal(v['associations'], 'pass');
    assert.equal(v['tls'], 'warn');
    assert.equal(v['realm'], 'pass');
    assert.equal(v['return_to'], 'pass');
    assert.equal(v['return_to discovery'], 'pass');
    assert.match(
      out.items.find((i) => i.item === 'return_to discovery')?.detail ?? '',
      /advertises .*\/rp\/return/,
    );
  });

  test('the text form has one verdict per line and a summary', async () => {
    const r = await cli('check', demo.providerUrl, '--allow-private-networks');
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^PASS {2}associate HMAC-SHA256\/DH-SHA256 +handle /m);
    assert.match(r.stdout, /^WARN {2}tls +the endpoint is plain http/m);
    assert.match(r.stdout, /^OK: \d+ pass, 1 warn, 0 fail, 2 skip$/m);
  });

  test('a provider refusing associations: each pair is a warning, logins go stateless', async () => {
    const p = await provider({
      status: 400,
      type: 'text/plain',
      body: 'ns:http://specs.openid.net/auth/2.0\nmode:error\nerror:associations are disabled here\n',
    });
    try {
      const r = await cli('check', `${p.base}/alice`, '--json', '--allow-private-networks');
      const out = JSON.parse(r.stdout) as { ok: boolean; items: Item[] };
      const v = verdicts(out.items);
      assert.equal(r.code, 0);
      assert.equal(v['associate HMAC-SHA256/DH-SHA256'], 'warn');
      assert.equal(
        out.items.find((i) => i.item === 'associate HMAC-SHA256/DH-SHA256')?.code,
        'assoc_refused',
      );
      assert.equal(v['associations'], 'warn');
      assert.match(out.items.find((i) => i.item === 'associations')?.detail ?? '', /check_authentication/);
    } finally {
      await p.close();
    }
  });

  test('a provider answering 500: the status is said, and the item fails', async () => {
    const p = await provider({ status: 500, type: 'text/html', body: '<h1>Internal Server Error</h1>' });
    try {
      const r = await cli('check', `${p.base}/alice`, '--json', '--allow-private-networks');
      const out = JSON.parse(r.stdout) as { ok: boolean; items: Item[] };
      assert.equal(r.code, 1);
      assert.equal(out.ok, false);
      const first = out.items.find((i) => i.item === 'associate HMAC-SHA256/DH-SHA256');
      assert.equal(first?.verdict, 'fail');
      assert.match(first?.detail ?? '', /HTTP 500/);
      assert.doesNotMatch(first?.detail ?? '', /newline/);
    } finally {
      await p.close();
    }
  });

  test('an unreachable host: discovery fails, the rest is skipped', async () => {
    const port = await freePort();
    const r = await cli('check', `http://127.0.0.1:${port}/alice`, '--json', '--allow-private-networks');
    const out = JSON.parse(r.stdout) as { ok: boolean; items: Item[] };
    const v = verdicts(out.items);
    assert.equal(r.code, 1);
    assert.equal(v['discovery'], 'fail');
    assert.equal(out.items.find((i) => i.item === 'discovery')?.code, 'fetch_failed');
    assert.equal(v['associate HMAC-SHA256/DH-SHA256'], 'skip');
    assert.equal(v['tls'], 'skip');
  });

  test('without --allow-private-networks the refusal names the flag', async () => {
    const r = await cli('check', demo.providerUrl, '--json');
    const out = JSON.parse(r.stdout) as { items: Item[] };
    const d = out.items.find((i) => i.item === 'discovery');
    assert.equal(d?.code, 'fetch_blocked');
    assert.match(d?.detail ?? '', /--allow-private-networks/);
  });
});

describe('a CLI that guides', () => {
  test('--version prints the package version', async () => {
    const r = await cli('--version');
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'openid2 0.1.0\n');
  });

  test('a misspelled command gets a did-you-mean and a usage line, not the whole help', async () => {
    const r = await cli('discvoer', 'x');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'discvoer' \(did you mean 'discover'\?\)/);
    assert.ok(r.stderr.split('\n').length <= 4, r.stderr);
  });

  test('a misspelled option gets a did-you-mean and the command usage line', async () => {
    const r = await cli('discover', 'https://example.com/', '--jsno');
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "openid2 discover: unknown option --jsno (did you mean --json?)\nUsage: openid2 discover <identifier> [options]\nRun 'openid2 discover --help' for every option.\n",
    );
    const w = await cli('worker', '--allow-private-network');
    assert.match(w.stderr, /did you mean --allow-private-networks\?/);
  });

  test('discover and associate against a private address name --allow-private-networks', async () => {
    const d = await cli('discover', 'http://127.0.0.1:9/');
    assert.equal(d.code, 1);
    assert.match(d.stderr, /\(fetch_blocked\).*--allow-private-networks/);
    const a = await cli('associate', 'http://127.0.0.1:9/op');
    assert.match(a.stderr, /--allow-private-networks/);
  });

  test('associate takes an OP endpoint URL directly, and reports an HTTP 500 as such', async () => {
    const p = await provider({ status: 500, type: 'text/html', body: '<h1>oops</h1>' });
    const demo = await startDemo({
      port: 0,
      store: 'memory:',
      accounts: join(tmpdir(), `openid2-acc-${process.pid}.db`),
    });
    try {
      const ok = await cli('associate', `${demo.providerUrl}openid`, '--json', '--allow-private-networks');
      const out = JSON.parse(ok.stdout) as { ok: boolean; opEndpoint: string };
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.equal(out.opEndpoint, `${demo.providerUrl}openid`);
      const bad = await cli('associate', `${p.base}/op`, '--endpoint', '--allow-private-networks');
      assert.equal(bad.code, 1);
      assert.match(bad.stdout, /HTTP 500/);
    } finally {
      await p.close();
      await demo.close();
      rmSync(join(tmpdir(), `openid2-acc-${process.pid}.db`), { force: true });
    }
  });

  test('discover --trace prints each fetch and the discovery with timings', async () => {
    const demo = await startDemo({
      port: 0,
      store: 'memory:',
      accounts: join(tmpdir(), `openid2-acc2-${process.pid}.db`),
    });
    try {
      const r = await cli('discover', demo.providerUrl, '--trace', '--allow-private-networks');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^trace \+ *\d+ ms +\d+ ms {2}GET .*\/op\/ .*HTTP 200/m);
      assert.match(r.stderr, /^trace .*discovery of .*\/op\/: \d service/m);
    } finally {
      await demo.close();
      rmSync(join(tmpdir(), `openid2-acc2-${process.pid}.db`), { force: true });
    }
  });

  test('worker names an unknown store scheme as such', async () => {
    const r = await cli('worker', '--once', '--store', 'mongodb://localhost/x');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--store: unknown scheme 'mongodb:'/);
  });
});
