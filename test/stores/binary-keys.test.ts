/**
 * Class 6 of issue 27, "key columns compare byte for byte": on every SQL backend a
 * handle `…AbCd…` and `…abcd…` are two associations, a never-stored spelling finds
 * nothing, and removing one leaves the other. On MySQL / MariaDB every text key column
 * of every table (store and queue) has a binary collation, and tables made before that
 * are migrated on first use.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { SqlQueue } from '../../src/background/sql-queue.js';
import { MySQLQueue, MySQLStore } from '../../src/drivers/mysql.js';
import { PostgresQueue, PostgresStore } from '../../src/drivers/postgres.js';
import { SQLiteQueue, SQLiteStore } from '../../src/drivers/sqlite.js';
import { Association } from '../../src/protocol/association.js';
import { mysqlKeyColumns } from '../../src/stores/mysql-keys.js';
import type { SqlStore } from '../../src/stores/sql.js';
import { serviceSkip, tempMysql, tempPostgres } from '../helpers/services.js';

const SERVER = 'https://op.example/server';
const now = () => Math.floor(Date.now() / 1000);
const assoc = (handle: string, byte: number) =>
  new Association({
    handle,
    secret: new Uint8Array(20).fill(byte),
    issued: now(),
    lifetime: 3600,
    assocType: 'HMAC-SHA1',
  });

interface Backend {
  name: string;
  skip(): Promise<string | false>;
  make(): Promise<{ store: SqlStore; queue: SqlQueue; done(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite',
    skip: async () => false,
    async make() {
      const dir = mkdtempSync(join(tmpdir(), 'openid2-keys-'));
      const path = join(dir, 'store.db');
      const store = new SQLiteStore({ path });
      const queue = new SQLiteQueue({ path });
      return {
        store,
        queue,
        async done() {
          await queue.close();
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    skip: () => serviceSkip('postgres'),
    async make() {
      const db = await tempPostgres();
      const store = new PostgresStore({ connectionString: db.url });
      const queue = new PostgresQueue({ connectionString: db.url });
      return {
        store,
        queue,
        async done() {
          await queue.close();
          await store.close();
          await db.drop();
        },
      };
    },
  },
  {
    name: 'MySQL/MariaDB',
    skip: () => serviceSkip('mysql'),
    async make() {
      const db = await tempMysql();
      const store = new MySQLStore({ uri: db.url });
      const queue = new MySQLQueue({ uri: db.url });
      return {
        store,
        queue,
        async done() {
          await queue.close();
          await store.close();
          await db.drop();
        },
      };
    },
  },
];

for (const backend of backends) {
  describe(`binary key columns: ${backend.name}`, async () => {
    const skip = await backend.skip();

    test('associations.handle: case-differing handles are two associations', { skip }, async () => {
      const b = await backend.make();
      try {
        const { store } = b;
        await store.storeAssociation(SERVER, assoc('h-AbCd', 1));
        await store.storeAssociation(SERVER, assoc('h-abcd', 2));
        assert.deepEqual(
          [...((await store.getAssociation(SERVER, 'h-AbCd'))?.secret ?? [])],
          Array(20).fill(1),
        );
        assert.deepEqual(
          [...((await store.getAssociation(SERVER, 'h-abcd'))?.secret ?? [])],
          Array(20).fill(2),
        );
        assert.equal(
          await store.getAssociation(SERVER, 'h-ABCD'),
          null,
          'a never-stored spelling finds nothing',
        );
        assert.equal(await store.removeAssociation(SERVER, 'h-ABCD'), false);
        assert.equal(await store.removeAssociation(SERVER, 'h-AbCd'), true);
        assert.equal(await store.getAssociation(SERVER, 'h-AbCd'), null);
        assert.equal((await store.getAssociation(SERVER, 'h-abcd'))?.handle, 'h-abcd');
      } finally {
        await b.done();
      }
    });

    test('associations.url_hash and nonces.nonce_hash: case-differing server URLs and salts are distinct', {
      skip,
    }, async () => {
      const b = await backend.make();
      try {
        const { store } = b;
        await store.storeAssociation(`${SERVER}/A`, assoc('h-1', 3));
        assert.equal(await store.getAssociation(`${SERVER}/a`, 'h-1'), null);
        const t = now();
        assert.equal(await store.useNonce(SERVER, t, 'SaLt'), true);
        assert.equal(await store.useNonce(SERVER, t, 'salt'), true);
        assert.equal(await store.useNonce(SERVER, t, 'SaLt'), false);
        assert.equal(await store.useNonce(`${SERVER}/X`, t, 'salt'), true);
        assert.equal(await store.useNonce(`${SERVER}/x`, t, 'salt'), true);
      } finally {
        await b.done();
      }
    });

    test('queue.url_hash: endpoints differing in case are queued separately', { skip }, async () => {
      const b = await backend.make();
      try {
        const { queue } = b;
        await queue.push({ opEndpoint: 'https://op.example/Server', version: '2.0' });
        await queue.push({ opEndpoint: 'https://op.example/server', version: '2.0' });
        const taken = await queue.take(10);
        assert.deepEqual(taken.map((t) => t.opEndpoint).sort(), [
          'https://op.example/Server',
          'https://op.example/server',
        ]);
        await queue.ack(taken);
      } finally {
        await b.done();
      }
    });
  });
}

describe('binary key columns: MySQL/MariaDB schema and migration', async () => {
  const skip = await serviceSkip('mysql');

  async function rawQuery(url: string, sql: string, params: unknown[] = []) {
    const { default: mysql } = await import('mysql2/promise');
    const c = await mysql.createConnection({ uri: url });
    try {
      const [rows] = await c.query(sql, params);
      return rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  }

  async function collations(url: string) {
    const rows = await rawQuery(
      url,
      `SELECT TABLE_NAME AS t, COLUMN_NAME AS c, COLLATION_NAME AS k FROM information_schema.COLUMNS
       WHERE TABLE_SCHEMA = DATABASE()`,
    );
    return new Map(rows.map((r) => [`${r['t']}.${r['c']}`, String(r['k'])]));
  }

  test('every key column of every table (store and queue) is ascii_bin on a new database', {
    skip,
  }, async () => {
    const db = await tempMysql();
    try {
      const store = new MySQLStore({ uri: db.url });
      await store.migrate();
      await store.close();
      const got = await collations(db.url);
      const expected = Object.entries(mysqlKeyColumns('openid2_')).flatMap(([t, cols]) =>
        Object.keys(cols).map((c) => `${t}.${c}`),
      );
      assert.deepEqual(expected.sort(), [
        'openid2_associations.handle',
        'openid2_associations.url_hash',
        'openid2_nonces.nonce_hash',
        'openid2_queue.lease_token',
        'openid2_queue.url_hash',
      ]);
      for (const column of expected) assert.equal(got.get(column), 'ascii_bin', column);
      // A raw case-differing key in the queue's lease_token and the nonce hash is a different key.
      await rawQuery(db.url, `INSERT INTO openid2_nonces (nonce_hash, timestamp) VALUES (?, 1), (?, 1)`, [
        'A'.repeat(64),
        'a'.repeat(64),
      ]);
      const n = await rawQuery(db.url, `SELECT COUNT(*) AS n FROM openid2_nonces WHERE nonce_hash = ?`, [
        'a'.repeat(64),
      ]);
      assert.equal(Number(n[0]?.['n']), 1);
      await rawQuery(
        db.url,
        `INSERT INTO openid2_queue (url_hash, entry, lease_until, lease_token) VALUES (?, '{}', 9, ?)`,
        ['b'.repeat(64), 'ABCDEF'.padEnd(32, '0')],
      );
      const q = await rawQuery(db.url, `SELECT COUNT(*) AS n FROM openid2_queue WHERE lease_token = ?`, [
        'abcdef'.padEnd(32, '0'),
      ]);
      assert.equal(Number(q[0]?.['n']), 0);
    } finally {
      await db.drop();
    }
  });

  test('tables made with the default collation are migrated on first use; their rows survive', {
    skip,
  }, async () => {
    const db = await tempMysql();
    try {
      // The schema as openid2 created it before: default (case-insensitive) collation.
      for (const sql of [
        'CREATE TABLE openid2_schema (version INTEGER NOT NULL)',
        'INSERT INTO openid2_schema (version) VALUES (2)',
        `CREATE TABLE openid2_associations (url_hash CHAR(64) NOT NULL, handle VARCHAR(255) NOT NULL, server_url TEXT NOT NULL,
          secret VARBINARY(64) NOT NULL, issued BIGINT NOT NULL, lifetime BIGINT NOT NULL, expires BIGINT NOT NULL,
          assoc_type VARCHAR(16) NOT NULL, PRIMARY KEY (url_hash, handle)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`,
        `CREATE TABLE openid2_nonces (nonce_hash CHAR(64) NOT NULL PRIMARY KEY, timestamp BIGINT NOT NULL)
          DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`,
        `CREATE TABLE openid2_queue (id BIGINT AUTO_INCREMENT PRIMARY KEY, url_hash CHAR(64) NOT NULL, entry TEXT NOT NULL,
          lease_until BIGINT NOT NULL DEFAULT 0, lease_token VARCHAR(32) NULL) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`,
      ])
        await rawQuery(db.url, sql);
      const before = await collations(db.url);
      assert.notEqual(before.get('openid2_associations.handle'), 'ascii_bin');
      const old = new MySQLStore({ uri: db.url });
      // Written through a store would migrate first: write the old row by hand.
      const { hashKey } = await import('../../src/stores/common.js');
      await rawQuery(db.url, 'INSERT INTO openid2_associations VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        hashKey(SERVER),
        'h-AbCd',
        SERVER,
        Buffer.alloc(20, 7),
        now(),
        3600,
        now() + 3600,
        'HMAC-SHA1',
      ]);
      await old.migrate();
      const after = await collations(db.url);
      for (const [t, cols] of Object.entries(mysqlKeyColumns('openid2_')))
        for (const c of Object.keys(cols)) assert.equal(after.get(`${t}.${c}`), 'ascii_bin', `${t}.${c}`);
      assert.equal((await old.getAssociation(SERVER, 'h-AbCd'))?.secret[0], 7, 'the old row survives');
      assert.equal(await old.getAssociation(SERVER, 'h-abcd'), null);
      await old.storeAssociation(SERVER, assoc('h-abcd', 8));
      assert.equal((await old.getAssociation(SERVER, 'h-AbCd'))?.secret[0], 7);
      assert.equal((await old.getAssociation(SERVER, 'h-abcd'))?.secret[0], 8);
      await old.migrate();
      await old.close();
    } finally {
      await db.drop();
    }
  });
});
