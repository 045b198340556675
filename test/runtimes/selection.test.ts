/** openid2 picks its fetcher and Diffie-Hellman engine by itself in each real runtime (probe.ts). */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createDiffieHellman } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { freePort } from '../adapters/free-port.js';
import { binary, bundle, type RuntimeKind, unavailable } from './harness.js';

interface WorkerdProbe {
  entry: string;
  /** Without it the Worker has no Node built-ins and no Buffer / process globals. */
  nodejsCompat: boolean;
  body?: unknown;
}

async function runProbe(
  kind: RuntimeKind,
  worker: WorkerdProbe = { entry: 'test/runtimes/probe-worker.ts', nodejsCompat: true },
): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), `openid2-probe-${kind}-`));
  try {
    const entry = kind === 'workerd' ? worker.entry : 'test/runtimes/probe.ts';
    const files = await bundle(kind, entry, dir);
    if (kind !== 'workerd') {
      const args = kind === 'bun' ? [join(dir, 'app.mjs')] : ['run', '--no-prompt', join(dir, 'app.mjs')];
      const out = await new Promise<string>((resolve, reject) =>
        execFile(binary(kind), args, { timeout: 30_000 }, (e, o, err) =>
          e ? reject(new Error(err)) : resolve(o),
        ),
      );
      return JSON.parse(out.trim().split('\n').at(-1) as string) as Record<string, unknown>;
    }
    const port = await freePort();
    const modules = files.map((f) => `(name = ${JSON.stringify(f)}, esModule = embed ${JSON.stringify(f)})`);
    modules.sort((a, b) => Number(b.includes('"app.mjs"')) - Number(a.includes('"app.mjs"')));
    writeFileSync(
      join(dir, 'config.capnp'),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = (modules = [${modules.join(', ')}], compatibilityDate = "2026-06-01", compatibilityFlags = [${worker.nodejsCompat ? '"nodejs_compat"' : ''}]))],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
`,
    );
    const child = spawn(binary('workerd'), ['serve', join(dir, 'config.capnp')], { stdio: 'ignore' });
    try {
      const until = Date.now() + 30_000;
      while (Date.now() < until) {
        const init = worker.body === undefined ? {} : { method: 'POST', body: JSON.stringify(worker.body) };
        const res = await fetch(`http://127.0.0.1:${port}/`, init).catch(() => undefined);
        if (res) return (await res.json()) as Record<string, unknown>;
        await new Promise((r) => setTimeout(r, 150));
      }
      throw new Error('workerd did not answer');
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const expected: Record<RuntimeKind, Record<string, unknown>> = {
  bun: { runtime: 'bun', dhEngine: 'node', dhAgrees: true, dnsPinning: true },
  deno: { runtime: 'deno', dhEngine: 'node', dhAgrees: true, dnsPinning: true },
  workerd: { runtime: 'workerd', dhEngine: 'node', dhAgrees: true, dnsPinning: false },
};

describe('runtime selection in the real runtimes', () => {
  for (const kind of ['bun', 'deno', 'workerd'] as const) {
    test(`${kind}: detected, with its Diffie-Hellman engine and fetcher`, {
      skip: unavailable(kind),
    }, async () => {
      assert.deepEqual(await runProbe(kind), expected[kind]);
    });
  }
});

describe('workerd with no Node compatibility at all', { skip: unavailable('workerd') }, () => {
  test('Diffie-Hellman picks BigInt by itself and agrees with the dhpriv vectors and node:crypto', async () => {
    const lines = readFileSync(new URL('../vectors/python-openid-dh/dhpriv', import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split(' ') as [string, string]);
    const [first, second] = lines as [[string, string], [string, string]];
    // The reference: OpenSSL's shared secret for the first private key and the second public value.
    const hex = (n: bigint) => n.toString(16).padStart(256, '0');
    const p = BigInt(
      '0xdcf93a0b883972ec0e19989ac5a2ce310e1d37717e8d9571bb7623731866e61ef75a2e27898b057f9891c2e27a639c3f29b60814581cd3b2ca3986d2683705577d45c2e7e52dc81c7a171876e5cea74b1448bfdfaf18828efd2519f14e45e3826634af1949e5b535cc829a483b8a76223e5d490a257f05bdff16f2fb22c583ab',
    );
    const dh = createDiffieHellman(Buffer.from(hex(p), 'hex'), Buffer.from([2]));
    dh.setPrivateKey(Buffer.from(hex(BigInt(first[0])), 'hex'));
    const openssl = BigInt(
      `0x${dh.computeSecret(Buffer.from(hex(BigInt(second[1])), 'hex')).toString('hex')}`,
    );
    const seen = await runProbe('workerd', {
      entry: 'test/runtimes/dh-web-worker.ts',
      nodejsCompat: false,
      body: { privates: lines.map(([x]) => x), peer: second[1] },
    });
    assert.deepEqual(seen, {
      nodeGlobals: false,
      engine: 'bigint',
      publics: lines.map(([, y]) => y),
      shared: openssl.toString(),
      randomKeyIsShort: true,
    });
  });
});
