/**
 * `begin()` across the discovered services (issue 24): the services are
 * tried in priority order, and one that looks down — its associate request
 * could not connect, timed out or got a server error, now or moments ago —
 * is passed over for the next, as long as the begin's deadline allows. What
 * was tried is returned (for `AuthRequest.tried`) and published on the
 * `openid2:rp.begin.fallback` diagnostics channel.
 *
 * python-openid reaches the next service when the app calls `begin()` again
 * (the service list lives in the session); here one `begin()` does it.
 */
import type * as dc from 'node:diagnostics_channel';
import type { ServiceEndpoint } from '../discovery/endpoints.js';
import type { Association } from '../protocol/association.js';
import { DiscoveryError } from '../protocol/errors.js';
import type { BeginAssociation } from './association-manager.js';

/** One discovered service `begin()` considered. */
export interface TriedService {
  /** The OP endpoint URL. */
  opEndpoint: string;
  /** The protocol version of the service. */
  version: ServiceEndpoint['version'];
  /** `'chosen'`: the user is sent there; `'unreachable'`: passed over, it looks down. */
  outcome: 'chosen' | 'unreachable';
  /** Why it was passed over (e.g. `fetch_failed`, `fetch_timeout`, `endpoint_unreachable`). */
  code?: string;
}

/** Payload of the `openid2:rp.begin.fallback` diagnostics channel: a service passed over. */
export interface BeginFallbackMessage {
  /** The endpoint passed over. */
  opEndpoint: string;
  /** Why. */
  code: string;
  /** The endpoint tried next, or null when none is left (or the deadline passed). */
  next: string | null;
}

/** Published each time `begin()` passes over a service that looks down. No secret ever rides here. */
export const beginFallbackChannel: Pick<dc.Channel, 'publish' | 'hasSubscribers'> = (() => {
  // No top-level import of a Node built-in: the Web path (Workers) loads this module too.
  const diagnostics = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  ).process?.getBuiltinModule?.('node:diagnostics_channel') as typeof dc | undefined;
  return diagnostics
    ? diagnostics.channel('openid2:rp.begin.fallback')
    : { publish: () => {}, hasSubscribers: false };
})();

/** The service chosen, its association, and everything tried on the way. */
export interface ChosenService {
  endpoint: ServiceEndpoint;
  association: Association | null;
  tried: TriedService[];
}

/**
 * Try `candidates` in order with `probe` (the association step of a login)
 * and return the first that does not look down. Throws `provider_unreachable`
 * when every candidate looks down or the deadline passes before one answers.
 */
export async function chooseService(
  candidates: readonly ServiceEndpoint[],
  probe: (endpoint: ServiceEndpoint) => Promise<BeginAssociation>,
  deadlineMs: number,
): Promise<ChosenService> {
  const started = performance.now();
  const tried: TriedService[] = [];
  const down = new Set<string>();
  for (let i = 0; i < candidates.length; i++) {
    const endpoint = candidates[i] as ServiceEndpoint;
    // A 2.0 and a 1.1 service often share one endpoint: down is down for both.
    if (down.has(endpoint.opEndpoint)) continue;
    const r = await probe(endpoint);
    if (!r.unreachable) {
      tried.push({ opEndpoint: endpoint.opEndpoint, version: endpoint.version, outcome: 'chosen' });
      return { endpoint, association: r.association, tried };
    }
    const code = r.reason?.code ?? 'endpoint_unreachable';
    down.add(endpoint.opEndpoint);
    tried.push({ opEndpoint: endpoint.opEndpoint, version: endpoint.version, outcome: 'unreachable', code });
    const late = performance.now() - started >= deadlineMs;
    const next = late ? undefined : candidates.slice(i + 1).find((c) => !down.has(c.opEndpoint));
    if (beginFallbackChannel.hasSubscribers) {
      const message: BeginFallbackMessage = {
        opEndpoint: endpoint.opEndpoint,
        code,
        next: next?.opEndpoint ?? null,
      };
      beginFallbackChannel.publish(message);
    }
    if (late) break;
  }
  const list = tried.map((t) => `${t.opEndpoint} (${t.code})`).join(', ');
  throw new DiscoveryError('provider_unreachable', `no discovered provider could be reached: ${list}`);
}
