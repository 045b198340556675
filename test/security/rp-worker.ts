/**
 * Child process of the NO-03 race test: one relying-party process on
 * 127.0.0.1 sharing a PostgreSQL store. It prints its port, then answers
 * each `POST /complete` ({ url, state }) with the result's status and code.
 * It exits when its stdin closes (the parent ends it that way or by pid).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openStore } from '../../src/drivers/open.js';
import { RelyingParty } from '../../src/rp/relying-party.js';

const [storeUrl, realm, returnTo, secret] = process.argv.slice(2) as [string, string, string, string];
const store = await openStore(storeUrl, { tablePrefix: 'openid2_' });
const rp = new RelyingParty({ realm, returnTo, secret, store, fetch: { allowPrivateNetworks: true } });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const { url, state } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      url: string;
      state: string;
    };
    rp.complete(url, { state }).then(
      (r) => res.end(JSON.stringify({ status: r.status, code: r.status === 'failure' ? r.code : null })),
      (e: unknown) => res.end(JSON.stringify({ status: 'crash', code: String(e) })),
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => {
  server.close();
  void store.close?.();
  process.exit(0);
});
