/**
 * The Deno KV and Durable Object stores under faults their real runtimes
 * produce but cannot be made to produce on demand: a local Deno KV's SQLite
 * file locked by another connection ("database is locked", seen in CI when
 * two connections raced), and an instance that never answers. The contract
 * itself runs in the real runtimes (test/runtimes); here the KV and the
 * namespace are doubles that fail on purpose, so each fault is certain.
 *
 * Expected: a locked commit is tried again until it goes through (the
 * nonce is still accepted exactly once), a lock that outlasts the deadline
 * and an instance that hangs both end in `StoreError` `store_unavailable`
 * within about `timeoutMs`, and no other error escapes as a bare error.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Association } from '../../src/protocol/association.js';
import { StoreError } from '../../src/protocol/errors.js';
import {
  type DenoKvAtomic,
  type DenoKvEntry,
  type DenoKvKey,
  type DenoKvLike,
  DenoKvStore,
} from '../../src/stores/deno-kv.js';
import { type DurableObjectNamespaceLike, DurableObjectStore } from '../../src/stores/durable-object.js';

const OP = 'https://op.example/server';
const nowS = () => Math.floor(Date.now() / 1000);

/** The message Deno KV's commit rejects with when SQLite's lock is taken (a TypeError, as observed). */
const locked = () => new TypeError('database is locked');

/**
 * A Map-backed Deno KV whose operations first fail `lockedFor` times with
 * "database is locked" (or hang forever when `hang`), then behave.
 */
class FaultyKv implements DenoKvLike {
  readonly data = new Map<string, { value: unknown; version: number }>();
  calls = 0;
  #version = 0;
  constructor(
    private lockedFor: number,
    private readonly hang = false,
  ) {}

  #gate(): Promise<void> {
    this.calls++;
    if (this.hang) return new Promise(() => {});
    if (this.lockedFor > 0) {
      this.lockedFor--;
      return Promise.reject(locked());
    }
    return Promise.resolve();
  }

  async get(key: DenoKvKey): Promise<DenoKvEntry> {
    await this.#gate();
    const e = this.data.get(JSON.stringify(key));
    return { key, value: e?.value ?? null, versionstamp: e ? String(e.version) : null };
  }

  async set(key: DenoKvKey, value: unknown): Promise<unknown> {
    await this.#gate();
    this.data.set(JSON.stringify(key), { value, version: ++this.#version });
    return { ok: true };
  }

  async *list(selector: { prefix: DenoKvKey }): AsyncIterable<DenoKvEntry> {
    await this.#gate();
    const p = JSON.stringify(selector.prefix).slice(0, -1);
    for (const [k, e] of this.data)
      if (k.startsWith(p)) yield { key: JSON.parse(k), value: e.value, versionstamp: String(e.version) };
  }

  atomic(): DenoKvAtomic {
    const checks: { key: DenoKvKey; versionstamp: string | null }[] = [];
    const writes: (() => void)[] = [];
    const kv = this;
    const op: DenoKvAtomic = {
      check(...c) {
        checks.push(...c);
        return op;
      },
      set(key, value) {
        writes.push(() => kv.data.set(JSON.stringify(key), { value, version: ++kv.#version }));
        return op;
      },
      delete(key) {
        writes.push(() => kv.data.delete(JSON.stringify(key)));
        return op;
      },
      async commit() {
        await kv.#gate();
        for (const c of checks) {
          const e = kv.data.get(JSON.stringify(c.key));
          if ((e ? String(e.version) : null) !== c.versionstamp) return { ok: false };
        }
        for (const w of writes) w();
        return { ok: true };
      },
    };
    return op;
  }
}

/**
 * Rejects with StoreError store_unavailable; returns how long that took. The
 * stores' deadline timers are unref'd (they never keep a process alive), and a
 * double that hangs holds no socket, so the test keeps the event loop alive itself.
 */
async function unavailableWithin(call: Promise<unknown>): Promise<number> {
  const t0 = Date.now();
  const alive = setInterval(() => {}, 1000);
  try {
    await assert.rejects(call, (e: unknown) => e instanceof StoreError && e.code === 'store_unavailable');
  } finally {
    clearInterval(alive);
  }
  return Date.now() - t0;
}

describe('DenoKvStore under faults', { timeout: 15_000 }, () => {
  test('a commit that finds the database locked is tried again: the nonce is accepted once, then refused', async () => {
    const kv = new FaultyKv(3);
    const store = new DenoKvStore(kv, { timeoutMs: 2000 });
    assert.equal(await store.useNonce(OP, nowS(), 'a'), true);
    assert.equal(kv.calls, 4, '3 locked commits, then the one that went through');
    assert.equal(await store.useNonce(OP, nowS(), 'a'), false);
  });

  test('of 50 concurrent offers of one nonce while the database is locked at first, exactly one is accepted', async () => {
    const kv = new FaultyKv(40);
    const store = new DenoKvStore(kv, { timeoutMs: 3000 });
    const ts = nowS();
    const r = await Promise.all(Array.from({ length: 50 }, () => store.useNonce(OP, ts, 'race')));
    assert.equal(r.filter(Boolean).length, 1);
  });

  test('a lock that outlasts the deadline ends in store_unavailable, not the runtime error', async () => {
    const kv = new FaultyKv(Number.POSITIVE_INFINITY);
    const store = new DenoKvStore(kv, { timeoutMs: 300 });
    const ms = await unavailableWithin(store.useNonce(OP, nowS(), 'b'));
    assert.ok(ms < 3000, `gave up after ${ms} ms with a 300 ms deadline`);
    assert.ok(kv.calls > 1, 'it was tried more than once before giving up');
  });

  test('a KV that never answers ends every operation in store_unavailable at the deadline', async () => {
    const store = new DenoKvStore(new FaultyKv(0, true), { timeoutMs: 200 });
    const a = new Association({
      handle: 'h',
      secret: new Uint8Array(20),
      issued: nowS(),
      lifetime: 600,
      assocType: 'HMAC-SHA1',
    });
    for (const call of [
      store.useNonce(OP, nowS(), 'c'),
      store.storeAssociation(OP, a),
      store.getAssociation(OP),
      store.getAssociation(OP, 'h'),
      store.removeAssociation(OP, 'h'),
      store.cleanupAssociations(),
    ]) {
      const ms = await unavailableWithin(call);
      assert.ok(ms < 3000, `waited ${ms} ms with a 200 ms deadline`);
    }
  });

  test('any other runtime error is a StoreError store_unavailable that keeps its cause', async () => {
    const kv = new FaultyKv(0);
    kv.atomic = () => {
      throw new RangeError('value too large');
    };
    const store = new DenoKvStore(kv);
    await assert.rejects(
      store.useNonce(OP, nowS(), 'd'),
      (e: unknown) =>
        e instanceof StoreError && e.code === 'store_unavailable' && /value too large/.test(e.message),
    );
  });

  test('timeoutMs is checked like every store option', () => {
    assert.throws(
      () => new DenoKvStore(new FaultyKv(0), { timeoutMs: 0 }),
      /timeoutMs must be a positive number/,
    );
  });
});

describe('DurableObjectStore under faults', { timeout: 15_000 }, () => {
  const namespace = (fetch: () => Promise<Response>): DurableObjectNamespaceLike => ({
    idFromName: (name) => name,
    get: () => ({ fetch }),
  });

  test('an instance that never answers ends the call in store_unavailable at the deadline', async () => {
    const store = new DurableObjectStore(
      namespace(() => new Promise(() => {})),
      { timeoutMs: 200 },
    );
    for (const call of [store.useNonce(OP, nowS(), 'e'), store.getAssociation(OP), store.cleanupNonces()]) {
      const ms = await unavailableWithin(call);
      assert.ok(ms < 3000, `waited ${ms} ms with a 200 ms deadline`);
    }
  });

  test('an instance that answers 500 or fails to connect is store_unavailable', async () => {
    const failing = new DurableObjectStore(namespace(async () => new Response('boom', { status: 500 })));
    await unavailableWithin(failing.useNonce(OP, nowS(), 'f'));
    const gone = new DurableObjectStore(
      namespace(() => Promise.reject(new TypeError('network connection lost'))),
    );
    await unavailableWithin(gone.useNonce(OP, nowS(), 'g'));
  });
});
