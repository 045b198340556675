/**
 * Issue 17: no store fault stalls a login. Private servers (own port, own
 * data directory; the shared ones are never frozen) are frozen with SIGSTOP:
 * every store call ends with `store_unavailable` while the server is still
 * frozen, then the store recovers on SIGCONT. SQLite waits for another
 * process's lock without blocking the event loop. Cleanup never deletes a
 * nonce inside the window on a skewed process clock, and keeps the nonce
 * table bounded. Errors say where, and which package is missing.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { MySQLStore } from '../../src/drivers/mysql.js';
import { PostgresStore } from '../../src/drivers/postgres.js';
import { RedisStore } from '../../src/drivers/redis.js';
import { SQLiteStore } from '../../src/drivers/sqlite.js';
import { StoreError } from '../../src/protocol/errors.js';
import { loadDriver } from '../../src/stores/common.js';
import { FileStore } from '../../src/stores/file.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { OpenIDStore } from '../../src/stores/store.js';
import {
  type FaultyServer,
  freePort,
  privatePostgres,
  privatePostgresSkip,
  privateRedis,
  privateRedisSkip,
  waitForPort,
} from '../helpers/faults.js';
import { serviceSkip, tempMysql, tempPostgres } from '../helpers/services.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nowS = () => Math.floor(Date.now() / 1000);
const OP = 'https://op.example/server';

/** Every process listening on the port, and their children (PostgreSQL backends). */
function processesOn(port: number): number[] {
  const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const roots = [...new Set([...out.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1])))];
  const all = new Set(roots);
  for (const pid of roots) {
    try {
      for (const c of execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n'))
        if (c.trim()) all.add(Number(c));
    } catch {
      // no children
    }
  }
  return [...all];
}

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // gone
    }
  }
}

const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';

/** A private MariaDB server on its own port and data directory (root, no password). */
async function privateMariadb(): Promise<FaultyServer & { port: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-mariadb-'));
  const port = await freePort();
  execFileSync(
    INSTALL_DB,
    [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ],
    { stdio: 'ignore', timeout: 60_000 },
  );
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(
      MARIADBD,
      [
        '--no-defaults',
        `--datadir=${join(dir, 'data')}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--socket=${join(dir, 'sock')}`,
        `--pid-file=${join(dir, 'pid')}`,
        '--user=root',
        '--skip-grant-tables',
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=16M',
        '--log-error=' + join(dir, 'err.log'),
      ],
      { stdio: 'ignore' },
    );
    await waitForPort(port, 30_000);
  };
  await start();
  return {
    port,
    url: `mysql://root@127.0.0.1:${port}/mysql`,
    async down() {},
    async up() {},
    async close() {
      const c = child as ChildProcess | null;
      if (c && c.exitCode === null) {
        await new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Frozen {
  name: string;
  skip(): string | false;
  make(): Promise<{ server: FaultyServer; port: number; store: OpenIDStore }>;
}

const TIMEOUT_MS = 1000;
const portOf = (url: string) => Number(new URL(url).port);

const frozen: Frozen[] = [
  {
    name: 'PostgreSQL',
    skip: privatePostgresSkip,
    async make() {
      const server = await privatePostgres();
      return {
        server,
        port: portOf(server.url),
        store: new PostgresStore({ connectionString: server.url, max: 4, timeoutMs: TIMEOUT_MS }),
      };
    },
  },
  {
    name: 'MariaDB',
    skip: () =>
      !existsSync(MARIADBD) || !existsSync(INSTALL_DB)
        ? `no ${MARIADBD} or ${INSTALL_DB}`
        : process.getuid?.() === 0
          ? false
          : 'the private mariadbd runs as root here',
    async make() {
      const server = await privateMariadb();
      return {
        server,
        port: server.port,
        store: new MySQLStore({ uri: server.url, connectionLimit: 4, timeoutMs: TIMEOUT_MS }),
      };
    },
  },
  {
    name: 'Redis',
    skip: privateRedisSkip,
    async make() {
      const server = await privateRedis();
      return {
        server,
        port: portOf(server.url),
        store: new RedisStore({ url: server.url, timeoutMs: TIMEOUT_MS }),
      };
    },
  },
];

describe('a frozen server (SIGSTOP) fails every call within the deadline, then the store recovers', () => {
  for (const f of frozen) {
    const skip = f.skip();
    test(f.name, { skip, timeout: 90_000 }, async () => {
      const { server, port, store } = await f.make();
      let pids: number[] = [];
      try {
        // Connected and schema made (a fresh server under load may need more than one deadline).
        let warm = false;
        for (let i = 0; i < 20 && !warm; i++)
          warm = await store.useNonce(OP, nowS(), `warm-up-${i}`).catch(() => false);
        assert.ok(warm, 'the store works before the freeze');
        pids = processesOn(port);
        assert.ok(pids.length > 0, 'found the server processes');
        signal(pids, 'SIGSTOP');
        const started = Date.now();
        let settled = 0;
        const calls = Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? store.useNonce(OP, nowS(), `frozen-${i}`) : store.getAssociation(OP, `h${i}`))
            .then(
              (v) => ({ ok: true as const, v, ms: Date.now() - started }),
              (e: unknown) => ({ ok: false as const, e, ms: Date.now() - started }),
            )
            .finally(() => settled++),
        );
        // Kept frozen until every call has ended, or for at most 15 s.
        const until = Date.now() + 15_000;
        while (settled < calls.length && Date.now() < until) await sleep(20);
        const stillFrozenWhenAllEnded = settled === calls.length;
        const results = await Promise.all(calls);
        signal(pids, 'SIGCONT');
        pids = [];
        const maxMs = Math.max(...results.map((r) => r.ms));
        const codes = results.map((r) => (r.ok ? 'answered' : (r.e as StoreError).code));
        process.stderr.write(
          `${f.name}: 20 calls against the frozen server ended in at most ${maxMs} ms (deadline ${TIMEOUT_MS} ms): ${[...new Set(codes)].join(',')}\n`,
        );
        assert.ok(stillFrozenWhenAllEnded, 'every call ended while the server was still frozen');
        for (const r of results) {
          assert.equal(r.ok, false);
          assert.ok(!r.ok && r.e instanceof StoreError);
          assert.equal((r.e as StoreError).code, 'store_unavailable');
        }
        const back = Date.now();
        let recovered = false;
        for (let i = 0; i < 100 && !recovered; i++) {
          recovered = await store.useNonce(OP, nowS(), `after-${i}`).catch(() => false);
          if (!recovered) await sleep(100);
        }
        process.stderr.write(`${f.name}: recovered ${Date.now() - back} ms after SIGCONT\n`);
        assert.ok(recovered, 'the store works again after the server is thawed');
      } finally {
        signal(pids, 'SIGCONT');
        await store.close?.().catch(() => {});
        await server.close();
      }
    });
  }
});

describe("SQLite waits for another process's lock without blocking the event loop", () => {
  test('a write lock held 3 s by another process: the event loop keeps turning (delay measured), the nonce is recorded after', {
    timeout: 60_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-lock-'));
    const path = join(dir, 's.db');
    const store = new SQLiteStore({ path });
    let holder: ChildProcess | undefined;
    try {
      await store.migrate();
      const script = `
        const Database = require('better-sqlite3');
        const db = new Database(process.argv[1]);
        db.exec('BEGIN IMMEDIATE');
        db.prepare("INSERT INTO openid2_nonces (nonce_hash, timestamp) VALUES ('holder', 0)").run();
        process.stdout.write('locked\\n');
        // The marker is written synchronously before COMMIT: no call can succeed before it exists.
        // (A 'released' line on stdout could reach this process after the calls finished.)
        setTimeout(() => { require('node:fs').writeFileSync(process.argv[2], ''); db.exec('COMMIT'); db.close(); }, 3000);`;
      const releasing = join(dir, 'releasing');
      holder = spawn(process.execPath, ['-e', script, path, releasing], {
        cwd: process.cwd(),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      holder.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      while (!out.includes('locked')) await sleep(5);
      const h = monitorEventLoopDelay({ resolution: 5 });
      h.enable();
      // Turns of the event loop while the calls wait: a blocking wait gives none.
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.useNonce(OP, nowS(), `during-lock-${i}`)),
      );
      const waited = Date.now() - started;
      clearInterval(ticker);
      h.disable();
      const maxMs = h.max / 1e6;
      process.stderr.write(
        `SQLite: 10 useNonce waited ${waited} ms for the lock; ${ticks} 10-ms timer ticks ran meanwhile; event-loop delay max ${maxMs.toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms\n`,
      );
      assert.ok(existsSync(releasing), 'the calls finished after the other process let go');
      assert.deepEqual(results, Array(10).fill(true));
      // The loop kept turning through the 3 s wait (a blocking busy wait would give ~0 ticks).
      // The delay itself is reported, not asserted tightly: on a loaded shared machine an idle
      // process already sees 20-45 ms, and a CI run with browsers beside it more; 50 ms is the
      // goal measured on a quiet one. The bound only tells a blocking wait (one stall of about
      // the 3 s the lock is held) from an asynchronous one.
      assert.ok(ticks >= 100, `${ticks} ticks`);
      assert.ok(maxMs < 1000, `event-loop delay max ${maxMs} ms`);
    } finally {
      holder?.kill();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a lock held past the deadline fails the call as store_unavailable', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-lock-'));
    const path = join(dir, 's.db');
    const store = new SQLiteStore({ path, timeoutMs: 300 });
    const Database = loadDriver<typeof import('better-sqlite3')>('better-sqlite3', 'test');
    const other = new Database(path);
    try {
      await store.migrate();
      other.exec('BEGIN IMMEDIATE');
      await assert.rejects(
        store.useNonce(OP, nowS(), 'x'),
        (e: unknown) => e instanceof StoreError && e.code === 'store_unavailable' && e.message.includes(path),
      );
      other.exec('COMMIT');
      assert.equal(await store.useNonce(OP, nowS(), 'x'), true);
    } finally {
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('cleanup on a process whose clock is an hour ahead deletes nothing inside the window', () => {
  const SKEW = 5 * 3600;
  const cases: {
    name: string;
    skip: () => Promise<string | false>;
    make(): Promise<{ store: OpenIDStore; cleanup(): Promise<void> }>;
  }[] = [
    {
      name: 'memory',
      skip: async () => false,
      make: async () => ({ store: new MemoryStore({ autoCleanup: false }), cleanup: async () => {} }),
    },
    {
      name: 'FileStore',
      skip: async () => false,
      async make() {
        const dir = mkdtempSync(join(tmpdir(), 'openid2-skew-'));
        return {
          store: new FileStore({ directory: dir, autoCleanup: false }),
          cleanup: async () => rmSync(dir, { recursive: true }),
        };
      },
    },
    {
      name: 'SQLite',
      skip: async () => false,
      async make() {
        const dir = mkdtempSync(join(tmpdir(), 'openid2-skew-'));
        return {
          store: new SQLiteStore({ path: join(dir, 's.db'), autoCleanup: false }),
          cleanup: async () => rmSync(dir, { recursive: true }),
        };
      },
    },
    {
      name: 'PostgreSQL',
      skip: () => serviceSkip('postgres'),
      async make() {
        const db = await tempPostgres();
        return {
          store: new PostgresStore({ connectionString: db.url, autoCleanup: false }),
          cleanup: db.drop,
        };
      },
    },
    {
      name: 'MySQL/MariaDB',
      skip: () => serviceSkip('mysql'),
      async make() {
        const db = await tempMysql();
        return { store: new MySQLStore({ uri: db.url, autoCleanup: false }), cleanup: db.drop };
      },
    },
  ];
  for (const c of cases) {
    test(c.name, async (t) => {
      const skip = await c.skip();
      if (skip) return t.skip(skip);
      const { store, cleanup } = await c.make();
      const realNow = Date.now;
      try {
        const now = nowS();
        const inside = now - SKEW + 60; // a minute from the end of the window
        const outside = now - SKEW - 3600 - 120; // past the window and the margin
        assert.equal(await store.useNonce(OP, inside, 'inside'), true);
        assert.equal(await store.useNonce(OP, outside, 'outside'), true);
        Date.now = () => realNow() + 3600_000;
        let removed: number;
        try {
          removed = await store.cleanupNonces();
        } finally {
          Date.now = realNow;
        }
        process.stderr.write(`${c.name}: cleanup on a clock 1 h ahead removed ${removed}\n`);
        assert.equal(
          await store.useNonce(OP, inside, 'inside'),
          false,
          'the nonce inside the window is still there',
        );
        assert.equal(removed, 1, 'only the nonce past the window and the margin');
      } finally {
        Date.now = realNow;
        await store.close?.();
        await cleanup();
      }
    });
  }
});

describe('the nonce table stays bounded', () => {
  test("SQLite over 100,000 logins spread over 20 simulated hours: rows stay near one window's traffic", {
    timeout: 120_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-bounded-'));
    let t = 1_900_000_000;
    const store = new SQLiteStore({ path: join(dir, 's.db'), now: () => t, cleanupIntervalSeconds: 0.2 });
    try {
      const STEP = 0.72; // 100,000 logins in 20 h
      let simulated = t;
      let maxRows = 0;
      for (let i = 0; i < 100_000; i++) {
        simulated += STEP;
        t = Math.floor(simulated);
        assert.equal(await store.useNonce(OP, t, randomBytes(6).toString('hex')), true);
        if (i % 5000 === 4999) {
          await sleep(1); // let a scheduled cleanup run
        }
      }
      await sleep(300);
      await store.useNonce(OP, t, 'last');
      await sleep(300);
      const Database = loadDriver<typeof import('better-sqlite3')>('better-sqlite3', 'test');
      const db = new Database(join(dir, 's.db'), { readonly: true });
      const rows = (db.prepare('SELECT COUNT(*) AS n FROM openid2_nonces').get() as { n: number }).n;
      db.close();
      maxRows = rows;
      // Kept: the 5 h window plus the 1 h margin of traffic, 6 h / 0.72 s = 30,000.
      process.stderr.write(
        `SQLite: ${rows} nonce rows after 100,000 logins (one window + margin of traffic is 30,000)\n`,
      );
      assert.ok(maxRows <= 32_000, `${maxRows} rows`);
      assert.ok(maxRows >= 29_000, `${maxRows} rows: nothing inside the window was deleted`);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('errors say where', () => {
  test('a missing driver package is a StoreError (driver_missing) that says what to install', () => {
    assert.throws(
      () => loadDriver('openid2-surely-not-installed-driver', 'SomeStore'),
      (e: unknown) =>
        e instanceof StoreError &&
        e.code === 'driver_missing' &&
        e.message.includes('npm install openid2-surely-not-installed-driver'),
    );
  });

  test('openStore() and the subpath modules give driver_missing naming the package, for each driver', {
    timeout: 60_000,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'openid2-nodriver-'));
    try {
      // A preload that makes the driver packages unresolvable, as on a machine without them.
      const block = join(dir, 'block.cjs');
      writeFileSync(
        block,
        `const M = require('module'); const orig = M._load;
         const gone = ['pg', 'mysql2/promise', 'ioredis', 'better-sqlite3'];
         M._load = function (req, ...rest) {
           if (gone.includes(req)) { const e = new Error("Cannot find module '" + req + "'"); e.code = 'MODULE_NOT_FOUND'; throw e; }
           return orig.call(this, req, ...rest);
         };`,
      );
      const src = new URL('../../src/drivers/', import.meta.url).pathname;
      const script = `
        const { openStore } = await import(${JSON.stringify(join(src, 'open.ts'))});
        const out = [];
        for (const url of ['postgres://u@127.0.0.1:1/db', 'mysql://u@127.0.0.1:1/db', 'redis://127.0.0.1:1', 'sqlite::memory:']) {
          try { await openStore(url); out.push('opened'); } catch (e) { out.push(e.code + ' ' + e.message); }
        }
        const { SQLiteStore } = await import(${JSON.stringify(join(src, 'sqlite.ts'))});
        try { new SQLiteStore({ path: ':memory:' }); out.push('opened'); } catch (e) { out.push(e.code + ' ' + e.message); }
        process.stdout.write(JSON.stringify(out));`;
      const out = JSON.parse(
        execFileSync(
          process.execPath,
          ['--require', block, '--import', 'tsx', '--input-type=module', '-e', script],
          {
            encoding: 'utf8',
            timeout: 50_000,
          },
        ),
      ) as string[];
      const pkgs = ['pg', 'mysql2', 'ioredis', 'better-sqlite3', 'better-sqlite3'];
      assert.equal(out.length, pkgs.length);
      out.forEach((line, i) => {
        assert.ok(line.startsWith('driver_missing '), line);
        assert.ok(line.includes(`npm install ${pkgs[i]}`), line);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('no store or queue module imports its driver at load time (so a missing one is a StoreError)', () => {
    const src = new URL('../../src/', import.meta.url).pathname;
    const offenders: string[] = [];
    for (const sub of ['stores', 'drivers', 'background']) {
      for (const f of readdirSync(join(src, sub))) {
        const text = execFileSync('cat', [join(src, sub, f)], { encoding: 'utf8' });
        if (/^import (?!type )[^;]*from '(pg|mysql2\/promise|mysql2|ioredis|better-sqlite3)'/m.test(text))
          offenders.push(`${sub}/${f}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  test('a SQLite path that cannot be opened is a StoreError naming the path', () => {
    const path = join(tmpdir(), `openid2-no-such-dir-${randomBytes(4).toString('hex')}`, 'x.db');
    assert.throws(
      () => new SQLiteStore({ path }),
      (e: unknown) => e instanceof StoreError && e.code === 'store_unavailable' && e.message.includes(path),
    );
  });

  test('a Redis failure names the address', async () => {
    const port = await freePort();
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, timeoutMs: 500 });
    try {
      await assert.rejects(
        store.useNonce(OP, nowS(), 'x'),
        (e: unknown) =>
          e instanceof StoreError &&
          e.code === 'store_unavailable' &&
          e.message.includes(`127.0.0.1:${port}`),
      );
    } finally {
      await store.close();
    }
  });
});
