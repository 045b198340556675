/**
 * A store seen through the `openid2:store` channel: each operation traced
 * with its name and server URL. Only the outcome's shape is recorded
 * (found, fresh), never an association's secret.
 */
import type { Association } from '../protocol/association.js';
import type { OpenIDStore } from '../stores/store.js';
import { isTraced, trace, untraced } from './channels.js';

const traced = new WeakMap<OpenIDStore, OpenIDStore>();

/** `store` with every operation published on `openid2:store`; the same object for the same store. */
export function traceStore(store: OpenIDStore): OpenIDStore;
export function traceStore(store: OpenIDStore | null): OpenIDStore | null;
export function traceStore(store: OpenIDStore | null): OpenIDStore | null {
  if (store === null) return null;
  const known = traced.get(store);
  if (known) return known;
  const wrapped: OpenIDStore = {
    storeAssociation: (serverUrl: string, association: Association) =>
      trace('openid2:store', { operation: 'storeAssociation', serverUrl }, () =>
        store.storeAssociation(serverUrl, association),
      ),
    // The two calls of every login go straight to the store when no one subscribes: the
    // context object and async wrapper were a promise and an allocation per call (issue 25).
    getAssociation: (serverUrl: string, handle?: string) =>
      !isTraced('openid2:store')
        ? untraced(() => store.getAssociation(serverUrl, handle))
        : trace('openid2:store', { operation: 'getAssociation', serverUrl }, async (ctx) => {
            const a = await store.getAssociation(serverUrl, handle);
            ctx.found = a !== null;
            return a;
          }),
    removeAssociation: (serverUrl: string, handle: string) =>
      trace('openid2:store', { operation: 'removeAssociation', serverUrl }, () =>
        store.removeAssociation(serverUrl, handle),
      ),
    useNonce: (serverUrl: string, timestamp: number, salt: string) =>
      !isTraced('openid2:store')
        ? untraced(() => store.useNonce(serverUrl, timestamp, salt))
        : trace('openid2:store', { operation: 'useNonce', serverUrl }, async (ctx) => {
            const fresh = await store.useNonce(serverUrl, timestamp, salt);
            ctx.fresh = fresh;
            return fresh;
          }),
    cleanupNonces: () => trace('openid2:store', { operation: 'cleanupNonces' }, () => store.cleanupNonces()),
    cleanupAssociations: () =>
      trace('openid2:store', { operation: 'cleanupAssociations' }, () => store.cleanupAssociations()),
    ...(store.close ? { close: () => (store.close as () => Promise<void>).call(store) } : {}),
    // The optional endpoint notes (negotiation memory) pass through, so a store that shares them still does.
    ...(store.putEndpointNote && store.getEndpointNote
      ? {
          putEndpointNote: (serverUrl: string, kind: string, value: string, expiresAt: number) =>
            trace('openid2:store', { operation: 'putEndpointNote', serverUrl }, () =>
              (store.putEndpointNote as NonNullable<OpenIDStore['putEndpointNote']>).call(
                store,
                serverUrl,
                kind,
                value,
                expiresAt,
              ),
            ),
          getEndpointNote: (serverUrl: string, kind: string) =>
            trace('openid2:store', { operation: 'getEndpointNote', serverUrl }, () =>
              (store.getEndpointNote as NonNullable<OpenIDStore['getEndpointNote']>).call(
                store,
                serverUrl,
                kind,
              ),
            ),
        }
      : {}),
  };
  traced.set(store, wrapped);
  return wrapped;
}
