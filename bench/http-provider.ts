/**
 * Child process of the HTTP suite: this package's Provider over node:http on
 * 127.0.0.1 (test/helpers/op-server.ts, auto-approving checkid requests), so
 * the load generator and the server do not share one event loop. Over IPC it
 * sends its address, then answers one `prepare` message with a shared
 * association handle and `count` check_authentication bodies (each for its
 * own stateless assertion, since a private association is checked once).
 */

import type { AssociateRequest } from 'openid2';
import { MemoryStore, OPENID2_NS } from 'openid2';
import { startProviderServer } from '../test/helpers/op-server.js';
import { makeAssertions, toCheckAuthParams } from './world.js';

/** What the parent sends. */
export interface PrepareMessage {
  type: 'prepare';
  count: number;
  checkidQuery: string;
}

/** What this process answers. */
export interface PreparedMessage {
  type: 'prepared';
  assocHandle: string;
  checkAuthBodies: string[];
}

const server = await startProviderServer({ store: new MemoryStore({ maxAssociations: 1_000_000 }) });
process.send?.({ type: 'ready', base: server.base, endpoint: server.endpoint });

process.on('message', (raw: PrepareMessage) => {
  void (async () => {
    if (raw.type !== 'prepare') return;
    const { op, endpoint } = server;
    const assoc = await op.encodeResponse(
      await op.handleRequest(
        op.decodeRequest({
          'openid.ns': OPENID2_NS,
          'openid.mode': 'associate',
          'openid.assoc_type': 'HMAC-SHA256',
          'openid.session_type': 'no-encryption',
        }) as AssociateRequest,
      ),
    );
    const assocHandle = /^assoc_handle:(.*)$/m.exec(assoc.body)?.[1] ?? '';
    const assertions = await makeAssertions(op, `${endpoint}?${raw.checkidQuery}`, raw.count);
    const reply: PreparedMessage = {
      type: 'prepared',
      assocHandle,
      checkAuthBodies: assertions.map((a) => toCheckAuthParams(a).toString()),
    };
    process.send?.(reply);
  })();
});
process.on('disconnect', () => {
  void server.close().then(() => process.exit(0));
});
