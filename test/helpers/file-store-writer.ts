/**
 * Child process for the FileStore crash test: writes associations and
 * nonces into a FileStore in a loop until killed, saying on stdout (a pipe:
 * synchronous on Linux) what it starts (`W handle secret`) and what the
 * store acknowledged (`A handle secret`, `N timestamp salt`).
 * Usage: file-store-writer.ts DIRECTORY SERVER_URL ROUND
 */
import { randomBytes } from 'node:crypto';
import { Association } from '../../src/protocol/association.js';
import { FileStore } from '../../src/stores/file.js';

const [dir, serverUrl, round] = process.argv.slice(2) as [string, string, string];
const store = new FileStore({ directory: dir });
const out = (line: string) => process.stdout.write(`${line}\n`);

for (let i = 0; i < 1_000_000; i++) {
  const handle = `h${i % 5}`;
  const secret = randomBytes(32);
  out(`W ${handle} ${secret.toString('hex')}`);
  const now = Math.floor(Date.now() / 1000);
  await store.storeAssociation(
    serverUrl,
    new Association({ handle, secret, issued: now, lifetime: 3600, assocType: 'HMAC-SHA256' }),
  );
  out(`A ${handle} ${secret.toString('hex')}`);
  const salt = `r${round}-${i}`;
  if (await store.useNonce(serverUrl, now, salt)) out(`N ${now} ${salt}`);
}
