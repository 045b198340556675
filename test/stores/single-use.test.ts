/**
 * Issue 17: one assertion is confirmed once, whatever the concurrency, the
 * number of processes or the store (spec §11.4.2.1). The provider's answer
 * is decided by the atomic removal of its private association; the
 * MemoryStore never evicts a pending private association by a per-key cap.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../src/drivers/open.js';
import { Provider } from '../../src/op/provider.js';
import type { CheckIDRequest } from '../../src/op/requests.js';
import { OPENID2_NS } from '../../src/protocol/constants.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { OpenIDStore } from '../../src/stores/store.js';
import { browse, startProviderServer } from '../helpers/op-server.js';
import {
  REDIS_URL,
  runId,
  serviceSkip,
  tempMysql,
  tempPostgres,
  tempRedisPrefix,
} from '../helpers/services.js';

const child = fileURLToPath(new URL('../helpers/single-use-process.ts', import.meta.url));
const EP = 'https://op.example/server';
const RT = 'https://rp.example/return';

function checkid(n = 0) {
  return {
    'openid.ns': OPENID2_NS,
    'openid.mode': 'checkid_setup',
    'openid.claimed_id': `https://op.example/id/user${n}`,
    'openid.identity': `https://op.example/id/user${n}`,
    'openid.return_to': RT,
    'openid.realm': 'https://rp.example/',
  };
}

/** A positive assertion signed with a private association, as check_authentication fields. */
async function statelessAssertion(op: Provider, n = 0): Promise<Record<string, string>> {
  const web = await op.encodeResponse((op.decodeRequest(checkid(n)) as CheckIDRequest).answer(true));
  const m = Message.fromQuery(web.headers['location'] as string);
  const args: Record<string, string> = { ...m.toPostArgs(), 'openid.mode': 'check_authentication' };
  for (const k of Object.keys(args)) if (!k.startsWith('openid.')) delete args[k];
  return args;
}

async function isValid(op: Provider, args: Record<string, string>): Promise<string | undefined> {
  const req = op.decodeRequest(args);
  assert.ok(req && req.mode === 'check_authentication');
  return Message.fromKVForm((await op.encodeResponse(await op.handleRequest(req))).body).get(
    OPENID_NS,
    'is_valid',
  );
}

/** Start `count` children, release them together, and sum what they print. */
async function racers(count: number, argv: string[], env: Record<string, string>): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-go-'));
  const goFile = join(dir, 'go');
  const children: ChildProcess[] = [];
  try {
    const outputs = Array.from({ length: count }, () => {
      const c = spawn(process.execPath, ['--import', 'tsx', child, ...argv], {
        env: { ...process.env, ...env, OPENID2_GO: goFile },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(c);
      let out = '';
      let err = '';
      c.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      c.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
      });
      const ready = new Promise<void>((resolve, reject) => {
        const t = setInterval(() => {
          if (out.startsWith('ready\n')) {
            clearInterval(t);
            resolve();
          }
        }, 5);
        c.once('exit', () => {
          clearInterval(t);
          if (!out.startsWith('ready\n')) reject(new Error(`child failed before ready: ${err}`));
        });
      });
      const done = new Promise<number>((resolve, reject) => {
        c.once('exit', (code) => {
          if (code !== 0) reject(new Error(`child exited ${code}: ${err}`));
          else resolve(Number(out.slice('ready\n'.length).trim()));
        });
      });
      return { ready, done };
    });
    await Promise.all(outputs.map((o) => o.ready));
    writeFileSync(goFile, '');
    return await Promise.all(outputs.map((o) => o.done));
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Shared {
  name: string;
  skip: () => Promise<string | false>;
  make(): Promise<{ url: string; env: Record<string, string>; cleanup(): Promise<void> }>;
}

const shared: Shared[] = [
  {
    name: 'SQLite',
    skip: async () => false,
    async make() {
      const dir = mkdtempSync(join(tmpdir(), 'openid2-su-sqlite-'));
      return {
        url: `sqlite:${join(dir, 's.db')}`,
        env: {},
        cleanup: async () => rmSync(dir, { recursive: true }),
      };
    },
  },
  {
    name: 'FileStore',
    skip: async () => false,
    async make() {
      const dir = mkdtempSync(join(tmpdir(), 'openid2-su-file-'));
      return {
        url: `file:${join(dir, 'store')}`,
        env: {},
        cleanup: async () => rmSync(dir, { recursive: true }),
      };
    },
  },
  {
    name: 'PostgreSQL',
    skip: () => serviceSkip('postgres'),
    async make() {
      const db = await tempPostgres();
      return { url: db.url, env: {}, cleanup: db.drop };
    },
  },
  {
    name: 'MySQL/MariaDB',
    skip: () => serviceSkip('mysql'),
    async make() {
      const db = await tempMysql();
      return { url: db.url, env: {}, cleanup: db.drop };
    },
  },
  {
    name: 'Redis',
    skip: () => serviceSkip('redis'),
    async make() {
      const p = await tempRedisPrefix();
      return { url: REDIS_URL, env: { OPENID2_KEY_PREFIX: p.prefix }, cleanup: p.drop };
    },
  },
];

for (const s of shared) {
  describe(`single use on a shared ${s.name} store`, async () => {
    const skip = await s.skip();
    let made: Awaited<ReturnType<Shared['make']>>;
    let store: OpenIDStore;
    before(async () => {
      if (skip) return;
      made = await s.make();
      store = await openStore(made.url, { keyPrefix: made.env['OPENID2_KEY_PREFIX'] ?? 'openid2:' });
    });
    after(async () => {
      if (skip) return;
      await store.close?.();
      await made.cleanup();
    });

    test('100 concurrent check_authentication for one assertion from 2 processes: exactly one is_valid:true', {
      skip,
    }, async () => {
      const op = new Provider({ endpoint: EP, store });
      const args = await statelessAssertion(op);
      const counts = await racers(2, ['check-auth', made.url, EP, '50'], {
        ...made.env,
        OPENID2_ARGS: JSON.stringify(args),
      });
      process.stderr.write(`${s.name}: is_valid:true per process ${JSON.stringify(counts)}\n`);
      assert.equal(counts[0]! + counts[1]!, 1);
      assert.equal(await isValid(op, args), 'false');
    });

    test('a stateless relying party submitting one assertion 100 times from 2 processes: exactly one success', {
      skip,
    }, async () => {
      const server = await startProviderServer({ store });
      try {
        const returnTo = 'http://127.0.0.1:9/return';
        const secret = `single-use-${runId()}-0123456789abcdef`;
        const rp = new RelyingParty({
          realm: 'http://127.0.0.1:9/',
          returnTo,
          secret,
          store: null,
          fetch: { allowPrivateNetworks: true },
        });
        const auth = await rp.begin(`${server.base}/id/alice`);
        const back = await browse(auth.redirectUrl);
        const counts = await racers(2, ['rp', returnTo, '50'], {
          OPENID2_SECRET: secret,
          OPENID2_URL: back.url,
          OPENID2_STATE: auth.state,
        });
        process.stderr.write(`${s.name}: RP successes per process ${JSON.stringify(counts)}\n`);
        assert.equal(counts[0]! + counts[1]!, 1);
        assert.equal(server.log.filter((m) => m === 'check_authentication').length, 100);
      } finally {
        await server.close();
      }
    });
  });
}

describe('single use on a MemoryStore (one process)', () => {
  test('100 concurrent check_authentication for one assertion: exactly one is_valid:true', async () => {
    const op = new Provider({ endpoint: EP, store: new MemoryStore() });
    const args = await statelessAssertion(op);
    const answers = await Promise.all(Array.from({ length: 100 }, () => isValid(op, args)));
    assert.deepEqual(
      [answers.filter((a) => a === 'true').length, answers.filter((a) => a === 'false').length],
      [1, 99],
    );
  });

  test('a forged check_authentication naming a genuine handle does not burn the genuine login', async () => {
    const op = new Provider({ endpoint: EP, store: new MemoryStore() });
    const args = await statelessAssertion(op);
    const forged = {
      ...args,
      'openid.identity': 'https://op.example/id/mallory',
      'openid.claimed_id': 'https://op.example/id/mallory',
    };
    assert.equal(await isValid(op, forged), 'false');
    assert.equal(await isValid(op, args), 'true');
    assert.equal(await isValid(op, args), 'false');
  });

  test('10,000 stateless logins pending at once all verify, exactly once each (no per-key cap)', async () => {
    const op = new Provider({ endpoint: EP, store: new MemoryStore() });
    const pending: Record<string, string>[] = [];
    for (let i = 0; i < 10_000; i++) pending.push(await statelessAssertion(op, i));
    let valid = 0;
    for (const args of pending) if ((await isValid(op, args)) === 'true') valid++;
    let replays = 0;
    for (const args of pending.slice(0, 1000)) if ((await isValid(op, args)) === 'true') replays++;
    process.stderr.write(
      `memory: ${valid} of 10000 pending logins verified; ${replays} of 1000 replays accepted\n`,
    );
    assert.equal(valid, 10_000);
    assert.equal(replays, 0);
  });

  test('the MemoryStore bound is a total: past it the oldest go, never the newest', async () => {
    const store = new MemoryStore({ maxAssociations: 3 });
    const op = new Provider({ endpoint: EP, store });
    const a = [];
    for (let i = 0; i < 5; i++) a.push(await statelessAssertion(op, i));
    const answers = [];
    for (const args of a) answers.push(await isValid(op, args));
    assert.deepEqual(answers, ['false', 'false', 'true', 'true', 'true']);
  });
});
