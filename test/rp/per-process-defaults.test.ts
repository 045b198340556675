/**
 * Issue 18, item 6 (silent per-process state): the Passport strategies and
 * the Steam preset default to a MemoryStore and a random secret. With
 * NODE_ENV=production a missing `store` or `secret` is an error at
 * construction naming both options; elsewhere one warning per process, with
 * a code. This file runs in its own process (the runner's default), so the
 * "once" starts fresh here.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { OpenIDStrategy, SteamStrategy } from '../../src/adapters/passport.js';
import { OpenIDError } from '../../src/protocol/errors.js';
import { PER_PROCESS_STATE_WARNING } from '../../src/rp/per-process-defaults.js';
import { steamLogin } from '../../src/steam/preset.js';
import { MemoryStore } from '../../src/stores/memory.js';

const RETURN = 'https://app.example/auth/return';
const SECRET = 'k'.repeat(40);
const verify = (_identifier: string, done: (e: unknown, u?: unknown) => void) => done(null, {});
const steamVerify = (_identifier: string, _profile: unknown, done: (e: unknown, u?: unknown) => void) =>
  done(null, {});

/** Each front door, built with the given store and secret (undefined: omitted). */
const doors: [string, (o: { store?: MemoryStore; secret?: string }) => unknown][] = [
  ['steamLogin()', (o) => steamLogin({ returnURL: RETURN, ...o })],
  ['OpenIDStrategy', (o) => new OpenIDStrategy({ returnURL: RETURN, ...o }, verify)],
  ['SteamStrategy', (o) => new SteamStrategy({ returnURL: RETURN, ...o }, steamVerify)],
];
const missing: [string, { store?: MemoryStore; secret?: string }][] = [
  ['neither store nor secret', {}],
  ['no store', { secret: SECRET }],
  ['no secret', { store: new MemoryStore() }],
];

const saved = process.env.NODE_ENV;
afterEach(() => {
  if (saved === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = saved;
});

/** Warnings of our code emitted while `work` runs (they are emitted on the next tick). */
async function warningsDuring(work: () => void): Promise<Error[]> {
  const seen: Error[] = [];
  const listener = (w: Error) => {
    if ((w as { code?: string }).code === PER_PROCESS_STATE_WARNING) seen.push(w);
  };
  process.on('warning', listener);
  try {
    work();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

describe('issue 18 item 6: per-process store and secret defaults', () => {
  for (const [door, make] of doors) {
    for (const [what, options] of missing) {
      test(`production: ${door} with ${what} throws invalid_option naming store and secret`, () => {
        process.env.NODE_ENV = 'production';
        assert.throws(
          () => make(options),
          (e: unknown) =>
            e instanceof OpenIDError &&
            e.code === 'invalid_option' &&
            e.message.includes('`store`') &&
            e.message.includes('`secret`') &&
            e.message.includes(door),
        );
      });
    }
    test(`production: ${door} with both store and secret constructs, with no warning`, async () => {
      process.env.NODE_ENV = 'production';
      const w = await warningsDuring(() => make({ store: new MemoryStore(), secret: SECRET }));
      assert.equal(w.length, 0);
    });
  }

  test('OpenIDStrategy given a relyingParty checks nothing itself (the relying party has its own store and secret)', () => {
    process.env.NODE_ENV = 'production';
    const rp = steamLogin({ returnURL: RETURN, store: new MemoryStore(), secret: SECRET });
    assert.doesNotThrow(() => new OpenIDStrategy({ relyingParty: rp }, verify));
  });

  test('development: the first construction without store or secret warns once with the code, later ones stay silent', async () => {
    process.env.NODE_ENV = 'development';
    const first = await warningsDuring(() => steamLogin({ returnURL: RETURN }));
    assert.equal(first.length, 1);
    assert.equal((first[0] as { code?: string }).code, 'OPENID2_PER_PROCESS_STATE');
    assert.match((first[0] as Error).message, /`store`.*`secret`/);
    const later = await warningsDuring(() => {
      for (const [, make] of doors) for (const [, options] of missing) make(options);
    });
    assert.equal(later.length, 0);
  });

  test('development (NODE_ENV unset): constructions without store or secret still work (per-process defaults)', () => {
    delete process.env.NODE_ENV;
    for (const [, make] of doors) for (const [, options] of missing) assert.ok(make(options));
  });
});
