/**
 * begin() across discovered services (issue 24): a service that cannot be
 * reached is passed over for the next in priority order, within the begin's
 * deadline; what was tried shows on the request and on the
 * `openid2:rp.begin.fallback` diagnostics channel.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, test } from 'node:test';
import type { Fetcher } from '../../src/discovery/fetcher.js';
import { renderXrds } from '../../src/op/identity-pages.js';
import { TYPE_CLAIMED_IDENTIFIER } from '../../src/protocol/constants.js';
import { FetchError } from '../../src/protocol/errors.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { FakeOP, OP } from '../helpers/fake-op.js';

const DEAD = 'https://dead.example/op';
const USER = 'https://multi.example/';

/** An identifier whose XRDS lists a dead endpoint (priority 0) and a live one (priority 10). */
function world(options: { deadStatus?: number; both?: 'dead' } = {}) {
  const op = new FakeOP(OP);
  const calls: string[] = [];
  const xrds = renderXrds([
    { types: [TYPE_CLAIMED_IDENTIFIER], uri: DEAD, priority: 0 },
    {
      types: [TYPE_CLAIMED_IDENTIFIER],
      uri: options.both === 'dead' ? 'https://dead2.example/op' : OP,
      priority: 10,
    },
  ]);
  const fetcher: Fetcher = async (url, init = {}) => {
    calls.push(`${init.method ?? 'GET'} ${url}`);
    if (url === USER) {
      return {
        url,
        status: 200,
        headers: new Headers({ 'content-type': 'application/xrds+xml' }),
        body: new TextEncoder().encode(xrds),
        text: () => xrds,
      };
    }
    if (url.startsWith('https://dead')) {
      if (options.deadStatus)
        return {
          url,
          status: options.deadStatus,
          headers: new Headers(),
          body: new Uint8Array(),
          text: () => '',
        };
      throw new FetchError('fetch_failed', `could not fetch ${url}: ECONNREFUSED`, { url });
    }
    return op.fetcher(url, init);
  };
  return { op, fetcher, calls };
}

function rp(fetcher: Fetcher, extra: { store?: MemoryStore | null; associations?: 'none' } = {}) {
  return new RelyingParty({
    realm: 'https://rp.example/',
    returnTo: 'https://rp.example/return',
    secret: 's'.repeat(40),
    store: extra.store === undefined ? new MemoryStore() : extra.store,
    fetcher,
    ...(extra.associations ? { associations: extra.associations } : {}),
  });
}

describe('begin() falls back across discovered services', () => {
  test('a dead priority-0 endpoint is passed over for the live priority-10 one', async () => {
    const w = world();
    const auth = await rp(w.fetcher).begin(USER);
    assert.equal(auth.endpoint.opEndpoint, OP);
    assert.equal(auth.usesAssociation, true);
    assert.deepEqual(
      auth.tried.map((t) => [t.opEndpoint, t.outcome, t.code]),
      [
        [DEAD, 'unreachable', 'fetch_failed'],
        [OP, 'chosen', undefined],
      ],
    );
    assert.ok(auth.redirectUrl.startsWith(`${OP}?`));
  });

  test('the next login does not call the dead endpoint again while it is remembered', async () => {
    const w = world();
    const r = rp(w.fetcher);
    await r.begin(USER);
    const before = w.calls.filter((c) => c === `POST ${DEAD}`).length;
    const auth = await r.begin(USER);
    assert.equal(w.calls.filter((c) => c === `POST ${DEAD}`).length, before);
    assert.equal(auth.tried[0]?.code, 'endpoint_unreachable');
    assert.equal(auth.endpoint.opEndpoint, OP);
  });

  test('an HTTP 503 from the associate request counts as down', async () => {
    const w = world({ deadStatus: 503 });
    const auth = await rp(w.fetcher).begin(USER);
    assert.equal(auth.endpoint.opEndpoint, OP);
  });

  test('a provider that merely refuses to associate is not down: it is used, stateless', async () => {
    const w = world({ deadStatus: 400 });
    const auth = await rp(w.fetcher).begin(USER);
    assert.equal(auth.endpoint.opEndpoint, DEAD);
    assert.equal(auth.usesAssociation, false);
  });

  test('every service down: provider_unreachable naming each', async () => {
    const w = world({ both: 'dead' });
    await assert.rejects(rp(w.fetcher).begin(USER), (e: Error & { code?: string }) => {
      assert.equal(e.code, 'provider_unreachable');
      assert.match(e.message, /dead\.example.*dead2\.example/);
      return true;
    });
  });

  test('past the deadline no further service is tried', async () => {
    const w = world();
    await assert.rejects(rp(w.fetcher).begin(USER, { deadlineMs: 0 }), { code: 'provider_unreachable' });
    assert.equal(w.calls.filter((c) => c === `POST ${OP}`).length, 0);
  });

  test('the diagnostics channel reports the service passed over and the next one', async () => {
    const w = world();
    const seen: unknown[] = [];
    const listener = (m: unknown) => seen.push(m);
    subscribe('openid2:rp.begin.fallback', listener);
    try {
      await rp(w.fetcher).begin(USER);
    } finally {
      unsubscribe('openid2:rp.begin.fallback', listener);
    }
    assert.deepEqual(seen, [{ opEndpoint: DEAD, code: 'fetch_failed', next: OP }]);
  });

  test("with associations: 'none' nothing is probed: the first service is chosen", async () => {
    const w = world();
    const auth = await rp(w.fetcher, { store: null }).begin(USER);
    assert.equal(auth.endpoint.opEndpoint, DEAD);
    assert.deepEqual(
      auth.tried.map((t) => t.outcome),
      ['chosen'],
    );
  });
});
