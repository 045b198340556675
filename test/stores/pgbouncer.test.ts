/**
 * Issue 25, item 4: the PostgreSQL store and queue behind PgBouncer in
 * transaction pooling mode (a private PgBouncer the test starts, in front
 * of the shared PostgreSQL, on the test's own database). The store keeps
 * nonces single-use through it; the queue finds out that LISTEN does not
 * work there and polls; one told `pooler: 'transaction'` polls from the start.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PostgresQueue, PostgresStore } from '../../src/drivers/postgres.js';
import { Association } from '../../src/protocol/association.js';
import { type LocalPgBouncer, pgbouncerSkip, startPgBouncer } from '../helpers/pgbouncer.js';
import { PG_URL, serviceSkip, tempPostgres } from '../helpers/services.js';

const OP = 'https://op.example/openid';

describe('PostgreSQL behind PgBouncer (transaction pooling)', () => {
  let skip: string | false = false;
  let db: { url: string; drop(): Promise<void> } | null = null;
  let bouncer: LocalPgBouncer | null = null;

  before(async () => {
    skip = pgbouncerSkip() || (await serviceSkip('postgres'));
    if (skip) return;
    db = await tempPostgres();
    bouncer = await startPgBouncer(PG_URL, new URL(db.url).pathname.slice(1));
  });
  after(async () => {
    await bouncer?.stop();
    await db?.drop();
  });

  it('the store: schema, associations and single-use nonces through the pooler', async (t) => {
    if (skip || !bouncer) return t.skip(skip || 'no pgbouncer');
    // More client connections (8 + 8) than PgBouncer has server connections (4): statements interleave.
    const a = new PostgresStore({ connectionString: bouncer.url, pooler: 'transaction', max: 8 });
    const b = new PostgresStore({
      connectionString: bouncer.url,
      pooler: 'transaction',
      max: 8,
      associationCache: false,
    });
    try {
      const now = Math.floor(Date.now() / 1000);
      const assoc = new Association({
        handle: 'pgb-handle',
        secret: new Uint8Array(32).fill(9),
        issued: now,
        lifetime: 3600,
        assocType: 'HMAC-SHA256',
      });
      await Promise.all([a.migrate(), b.migrate()]);
      await a.storeAssociation(OP, assoc);
      assert.deepEqual([...((await b.getAssociation(OP, 'pgb-handle'))?.secret ?? [])], [...assoc.secret]);
      const salts = Array.from({ length: 200 }, (_, i) => `s${i}`);
      // Both stores race for every nonce, 16 at a time: exactly one wins each.
      let wins = 0;
      for (let i = 0; i < salts.length; i += 8) {
        const batch = salts.slice(i, i + 8);
        const r = await Promise.all(batch.flatMap((s) => [a.useNonce(OP, now, s), b.useNonce(OP, now, s)]));
        wins += r.filter(Boolean).length;
      }
      assert.equal(wins, salts.length);
      assert.equal(await a.removeAssociation(OP, 'pgb-handle'), true);
      assert.equal(await b.removeAssociation(OP, 'pgb-handle'), false);
      assert.ok((await a.cleanupNonces()) >= 0);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('without pooler: "transaction", PgBouncer refuses the statement_timeout startup setting', async (t) => {
    if (skip || !bouncer) return t.skip(skip || 'no pgbouncer');
    const s = new PostgresStore({ connectionString: bouncer.url, timeoutMs: 5000 });
    try {
      await assert.rejects(s.useNonce(OP, Math.floor(Date.now() / 1000), 'x'), /statement_timeout/);
    } finally {
      await s.close();
    }
  });

  it('the queue detects that LISTEN does not work and polls; a push from another process arrives', async (t) => {
    if (skip || !bouncer) return t.skip(skip || 'no pgbouncer');
    const worker = new PostgresQueue({
      connectionString: bouncer.url,
      pooler: 'transaction',
      wakeup: 'auto',
    });
    const pusher = new PostgresQueue({ connectionString: bouncer.url, pooler: 'transaction' });
    try {
      assert.equal(worker.wakeupMode, 'auto');
      assert.equal(pusher.wakeupMode, 'poll');
      const waiting = worker.take(1, { waitMs: 8000 });
      await new Promise((r) => setTimeout(r, 300));
      await pusher.push({ opEndpoint: 'https://op.example/a', version: '2.0' });
      const got = await waiting;
      assert.equal(got.length, 1);
      assert.equal(got[0]?.opEndpoint, 'https://op.example/a');
      await worker.ack(got);
      // The probe waits up to POSTGRES_LISTEN_PROBE_MS for its NOTIFY, which never comes here.
      for (let i = 0; i < 100 && worker.wakeupMode === 'auto'; i++)
        await new Promise((r) => setTimeout(r, 50));
      assert.equal(worker.wakeupMode, 'poll');
      // Polling, a second push from the other process still arrives.
      const again = worker.take(1, { waitMs: 8000 });
      await new Promise((r) => setTimeout(r, 300));
      await pusher.push({ opEndpoint: 'https://op.example/c', version: '2.0' });
      const second = await again;
      assert.equal(second[0]?.opEndpoint, 'https://op.example/c');
      await worker.ack(second);
    } finally {
      await worker.close();
      await pusher.close();
    }
  });

  it('straight to PostgreSQL, the same probe finds LISTEN working', async (t) => {
    if (skip || !db) return t.skip(skip || 'no database');
    const worker = new PostgresQueue({ connectionString: db.url });
    const pusher = new PostgresQueue({ connectionString: db.url });
    try {
      const waiting = worker.take(1, { waitMs: 8000 });
      await new Promise((r) => setTimeout(r, 300));
      await pusher.push({ opEndpoint: 'https://op.example/b', version: '2.0' });
      const got = await waiting;
      assert.equal(got.length, 1);
      await worker.ack(got);
      // The probe may still be in flight when the push wakes the take: wait for it to decide.
      for (let i = 0; i < 100 && worker.wakeupMode === 'auto'; i++)
        await new Promise((r) => setTimeout(r, 50));
      assert.equal(worker.wakeupMode, 'listen');
    } finally {
      await worker.close();
      await pusher.close();
    }
  });
});
