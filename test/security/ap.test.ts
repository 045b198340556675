/**
 * Security cases AP-04 and AP-05 (docs/security-cases.md §23): safe
 * defaults, and failing closed. AP-01 … AP-03 are with the Steam/adapters work.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Fetcher } from '../../src/discovery/fetcher.js';
import { createFetcher } from '../../src/discovery/fetcher.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import type { OpenIDStore } from '../../src/stores/store.js';
import { failure, honestOp, loginAt, makeRp, type ProviderServer, REALM, RETURN, SECRET } from './world.js';

let honest: ProviderServer;
before(async () => {
  honest = await honestOp();
});
after(() => honest.close());

const alice = () => `${honest.base}/id/alice`;

describe('AP: defaults and failing closed', () => {
  test('AP-04 defaults: SSRF guard on and unsolicited assertions off without any option', async () => {
    // Built with nothing but the required options.
    const bare = new RelyingParty({ realm: REALM, returnTo: RETURN, secret: SECRET });
    await assert.rejects(bare.begin(alice()), { code: 'fetch_blocked' });
    const rp = makeRp();
    const { url } = await loginAt(rp, alice());
    assert.equal(failure(await rp.complete(url, {})), 'unsolicited_rejected');
    // With a store, nonces are kept even with associations: 'none' (NO-12).
  });

  test('AP-05 any exception inside verification is a failure result, never a success or a throw', async () => {
    // A custom fetcher that blows up on the check_authentication POST.
    const inner = createFetcher({ allowPrivateNetworks: true });
    const throwing: Fetcher = (url, init = {}) => {
      if (init.method === 'POST') throw new TypeError('boom in a custom fetcher');
      return inner(url, init);
    };
    const rp = makeRp({ store: null, fetcher: throwing });
    const { auth, url } = await loginAt(rp, alice());
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'internal_error');
    // A store whose every method throws a non-library error.
    const broken = new Proxy(new MemoryStore(), {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver);
        if (typeof v !== 'function') return v;
        return () => Promise.reject(new RangeError('store exploded'));
      },
    }) as OpenIDStore;
    const good = makeRp();
    const genuine = await loginAt(good, alice());
    const withBroken = makeRp({ store: broken });
    const r = await withBroken.complete(genuine.url, { state: genuine.auth.state });
    assert.equal(r.status, 'failure');
  });
});
