/**
 * The state kept server-side in a session (`session` option of begin() and
 * complete()) instead of handed out as a token, as python-openid keeps it:
 * a real login against this package's Provider over HTTP on 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RelyingParty, STATE_SESSION_KEY } from '../../src/rp/relying-party.js';
import type { StateSession } from '../../src/rp/state.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';

/** One browser's session: a plain map, as an app's session store would hold it. */
function memorySession(): StateSession & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get: (k) => data.get(k),
    set: (k, v) => {
      data.set(k, v);
    },
    delete: (k) => {
      data.delete(k);
    },
  };
}

let ps: ProviderServer;
let rp: RelyingParty;
before(async () => {
  ps = await startProviderServer();
  rp = new RelyingParty({
    realm: 'http://rp.example/',
    returnTo: 'http://rp.example/return',
    secret: 's'.repeat(40),
    store: new MemoryStore(),
    fetch: { allowPrivateNetworks: true },
  });
});
after(() => ps.close());

async function start(session: StateSession) {
  const auth = await rp.begin(`${ps.base}/id/alice`, { session });
  return { auth, back: await browse(auth.redirectUrl) };
}

describe('state kept in a session', () => {
  test('begin() stores the state under openid2.state and complete() finds it there', async () => {
    const session = memorySession();
    const { auth, back } = await start(session);
    assert.equal(session.data.get(STATE_SESSION_KEY), auth.state);
    const result = await rp.complete(back.url, { session, body: back.body ?? null });
    assert.equal(result.status, 'success', JSON.stringify(result));
    assert.equal(session.data.has(STATE_SESSION_KEY), false, 'the state is used once');
  });

  test('a second complete() with the same session has no state left: unsolicited_rejected', async () => {
    const session = memorySession();
    const { back } = await start(session);
    assert.equal((await rp.complete(back.url, { session })).status, 'success');
    const again = await rp.complete(back.url, { session });
    assert.equal(again.status === 'failure' ? again.code : again.status, 'unsolicited_rejected');
  });

  test("another browser's session cannot complete this login (session_binding_failed)", async () => {
    const victim = memorySession();
    const attacker = memorySession();
    await start(victim); // the victim has a login of their own in progress
    const { back } = await start(attacker);
    const result = await rp.complete(back.url, { session: victim });
    assert.equal(result.status === 'failure' ? result.code : result.status, 'session_binding_failed');
  });

  test('a tampered state in the session is state_invalid, and is cleared all the same', async () => {
    const session = memorySession();
    const { auth, back } = await start(session);
    session.data.set(STATE_SESSION_KEY, `${auth.state.slice(0, -2)}xx`);
    const result = await rp.complete(back.url, { session });
    assert.equal(result.status === 'failure' ? result.code : result.status, 'state_invalid');
    assert.equal(session.data.has(STATE_SESSION_KEY), false);
  });

  test('a session store that throws makes a failure, never an exception (internal_error)', async () => {
    const session = memorySession();
    const { back } = await start(session);
    const broken: StateSession = {
      get: () => Promise.reject(new Error('session store down')),
      set: () => undefined,
      delete: () => undefined,
    };
    const result = await rp.complete(back.url, { session: broken });
    assert.equal(result.status === 'failure' ? result.code : result.status, 'internal_error');
  });
});
