/**
 * FileStore beyond the contract: a writer killed with SIGKILL mid-write
 * leaves nothing corrupted or lost, no server URL or handle can put a file
 * outside the directory, and permissions keep the secrets to their owner.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Association } from '../../src/protocol/association.js';
import { FileStore } from '../../src/stores/file.js';

const WRITER = fileURLToPath(new URL('../helpers/file-store-writer.ts', import.meta.url));

/** Every file below `dir`, as paths relative to it. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name), base) : [relative(base, join(dir, d.name))],
  );
}

interface Round {
  /** Per handle, the last secret the writer started to write, and the last one the store acknowledged. */
  started: Map<string, string>;
  acked: Map<string, string>;
  nonces: { ts: number; salt: string }[];
  /** Killed between starting an association write and its acknowledgement. */
  midWrite: boolean;
}

/** Run the writer until it has acknowledged `acks` writes, then SIGKILL it; read all it said. */
function killMidWrite(dir: string, serverUrl: string, round: number, acks: number): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, serverUrl, String(round)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const r: Round = { started: new Map(), acked: new Map(), nonces: [], midWrite: false };
    let buf = '';
    let count = 0;
    let last = '';
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000); // bounded even if it stalls
    child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        const [kind, a, b] = line.split(' ') as [string, string, string];
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        last = kind;
        if (kind === 'W') r.started.set(a, b);
        else if (kind === 'A') {
          r.acked.set(a, b);
          count++;
        } else if (kind === 'N') r.nonces.push({ ts: Number(a), salt: b });
        // Kill as a write starts; the writer may get a little further before the signal lands.
        if (kind === 'W' && count === acks) child.kill('SIGKILL');
      }
    });
    child.once('error', reject);
    child.once('close', (codeOrNull, signal) => {
      clearTimeout(guard);
      r.midWrite = last === 'W';
      if (signal !== 'SIGKILL') reject(new Error(`writer exited by itself (${codeOrNull})`));
      else resolve(r);
    });
  });
}

describe('FileStore', () => {
  const root = mkdtempSync(join(tmpdir(), 'openid2-filestore-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  test('a writer killed mid-write leaves every entry whole and loses nothing acknowledged', async (t) => {
    const dir = join(root, 'crash');
    const serverUrl = 'https://op.example/server';
    const allNonces: { ts: number; salt: string }[] = [];
    let midWrite = 0;
    for (const [round, acks] of [
      [1, 150],
      [2, 233],
      [3, 97],
      [4, 181],
    ] as const) {
      const r = await killMidWrite(dir, serverUrl, round, acks);
      if (r.midWrite) midWrite++;
      allNonces.push(...r.nonces);
      const store = new FileStore({ directory: dir });
      for (const handle of ['h0', 'h1', 'h2', 'h3', 'h4']) {
        const a = await store.getAssociation(serverUrl, handle);
        assert.ok(a, `round ${round}: ${handle} lost`);
        // Either the last acknowledged secret, or the one being written when killed.
        const hex = Buffer.from(a.secret).toString('hex');
        assert.ok(
          hex === r.acked.get(handle) || hex === r.started.get(handle),
          `round ${round}: ${handle} holds a secret that was never written`,
        );
      }
      // Nothing under associations/ is partial: every file parses.
      for (const f of walk(join(dir, 'associations'))) {
        assert.doesNotThrow(
          () => Association.deserialize(readFileSync(join(dir, 'associations', f), 'utf8')),
          f,
        );
      }
    }
    t.diagnostic(`${midWrite} of 4 kills landed inside an association write`);
    const store = new FileStore({ directory: dir });
    assert.ok(allNonces.length > 300);
    for (const n of allNonces) assert.equal(await store.useNonce(serverUrl, n.ts, n.salt), false, n.salt);
  });

  test('no server URL or handle puts a file outside the directory', async () => {
    const parent = join(root, 'escape');
    const dir = join(parent, 'store');
    const store = new FileStore({ directory: dir });
    const now = Math.floor(Date.now() / 1000);
    const urls = [
      '../../../../../../tmp/openid2-escape',
      '/etc/passwd',
      'https://op.example/../../x',
      `..${'/..'.repeat(50)}`,
      'C:\\Windows\\..\\x',
      'https://op.example/\0/../x',
      `https://${'a'.repeat(4000)}.example/`,
    ];
    const handles = [
      '..',
      '../..',
      '/etc/passwd',
      '..\\..\\x',
      '%2e%2e%2f%2e%2e',
      '.',
      '~root',
      'a/b/../../../c',
    ];
    const stored: [string, Association][] = [];
    for (const u of urls) {
      for (const h of handles) {
        const a = new Association({
          handle: h,
          secret: randomBytes(20),
          issued: now,
          lifetime: 600,
          assocType: 'HMAC-SHA1',
        });
        await store.storeAssociation(u, a);
        stored.push([u, a]);
      }
      assert.equal(await store.useNonce(u, now, '../../../x'), true);
    }
    for (const [u, a] of stored) assert.ok((await store.getAssociation(u, a.handle))?.equals(a));
    // Only the store directory appeared beside it, and inside only fixed-shape names.
    assert.deepEqual(readdirSync(parent), ['store']);
    for (const f of walk(dir)) {
      assert.match(f, /^(associations\/[0-9a-f]{64}\/[0-9a-f]{64}\.json|nonces\/\d+-[0-9a-f]{64})$/, f);
    }
  });

  test('the directory is 0700 and its files 0600', async () => {
    const dir = join(root, 'perms');
    const store = new FileStore({ directory: dir });
    const now = Math.floor(Date.now() / 1000);
    await store.storeAssociation(
      'https://op.example/',
      new Association({
        handle: 'p',
        secret: randomBytes(20),
        issued: now,
        lifetime: 60,
        assocType: 'HMAC-SHA1',
      }),
    );
    await store.useNonce('https://op.example/', now, 'p');
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const f of walk(dir))
      assert.equal(statSync(join(dir, f)).mode & 0o077, 0, `${f} readable by others`);
  });

  test('cleanup removes temp files a killed writer left, once they are an hour old', async () => {
    const dir = join(root, 'crash');
    const store = new FileStore({ directory: dir });
    const stale = join(dir, 'tmp', 'stale-by-test.tmp');
    const fresh = join(dir, 'tmp', 'fresh-by-test.tmp');
    writeFileSync(stale, 'partial');
    writeFileSync(fresh, 'partial');
    const old = (Date.now() - 2 * 3600_000) / 1000;
    utimesSync(stale, old, old);
    await store.cleanupAssociations();
    const left = readdirSync(join(dir, 'tmp'));
    assert.ok(!left.includes('stale-by-test.tmp'));
    assert.ok(left.includes('fresh-by-test.tmp'));
  });
});
