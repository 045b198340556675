/**
 * What openid2 chose in the runtime it runs in: the runtime it detected,
 * the Diffie-Hellman engine of the default group, and whether the default
 * fetcher pins DNS. Bundled and run by selection.test.ts: printed here, served
 * on `/` by probe-worker.ts in workerd. (No default export: Bun would serve it.)
 */
import { createDefaultFetcher } from '../../src/discovery/default-fetcher.js';
import { lacksDnsPinning } from '../../src/discovery/web-fetcher.js';
import { detectRuntime } from '../../src/platform/runtime.js';
import { DEFAULT_DH_GENERATOR, DEFAULT_DH_MODULUS, getDhGroup } from '../../src/protocol/dh-group.js';

export function probe(): Record<string, unknown> {
  const group = getDhGroup(DEFAULT_DH_MODULUS, DEFAULT_DH_GENERATOR);
  const x = group.randomPrivateKey();
  const y = group.randomPrivateKey();
  return {
    runtime: detectRuntime(),
    dhEngine: group.engine,
    dhAgrees: group.sharedSecret(x, group.publicKey(y)) === group.sharedSecret(y, group.publicKey(x)),
    dnsPinning: !lacksDnsPinning(createDefaultFetcher()),
  };
}

if (!(globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent?.startsWith('Cloudflare')) {
  console.log(JSON.stringify(probe()));
}
