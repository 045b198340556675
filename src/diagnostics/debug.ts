/**
 * `NODE_DEBUG=openid2`: one readable line per step of a login, written by
 * Node's `util.debuglog` (no dependency). The lines are made from the
 * tracing channels' context objects only, so they carry the same redaction:
 * never a key, signature, DH value, state token or cookie.
 *
 * @example
 * NODE_DEBUG=openid2 node server.js
 * // OPENID2 4242: complete failure code=return_to_mismatch reason="…"
 */
import type { TracingChannel } from 'node:diagnostics_channel';
import type * as Util from 'node:util';
import { CHANNEL_NAMES, type ChannelName, channel } from './channels.js';

type Line = (msg: string, ...args: unknown[]) => void;

/** `util.debuglog`, or a logger that is never enabled where there is no `node:util` (no NODE_DEBUG there). */
function debuglog(section: string): Line & { enabled?: boolean } {
  const util = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  ).process?.getBuiltinModule?.('node:util') as typeof Util | undefined;
  if (util) return util.debuglog(section) as Line & { enabled?: boolean };
  return Object.assign(() => {}, { enabled: false });
}

/** Text from the network made safe for one log line: no control characters, bounded. */
function inert(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return (s ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 300);
}

/** `key=value` pairs of the defined fields of a context, in the order given. */
function fields(ctx: object, keys: readonly string[]): string {
  const c = ctx as Record<string, unknown>;
  return keys
    .filter((k) => c[k] !== undefined)
    .map(
      (k) =>
        `${k}=${typeof c[k] === 'string' && /\s/.test(c[k] as string) ? JSON.stringify(inert(c[k])) : inert(c[k])}`,
    )
    .join(' ');
}

/** What a line says when an operation is done, per channel. */
const DONE: Record<ChannelName, { label: string; keys: readonly string[] }> = {
  'openid2:rp.begin': { label: 'begin', keys: ['identifier', 'opEndpoint', 'version', 'mode', 'associated'] },
  'openid2:discovery': {
    label: 'discovery',
    keys: ['identifier', 'cached', 'claimedId', 'services', 'endpoints'],
  },
  'openid2:fetch': { label: 'fetch', keys: ['method', 'url', 'status', 'finalUrl', 'bytes'] },
  'openid2:associate': {
    label: 'associate',
    keys: ['opEndpoint', 'outcome', 'code', 'assocType', 'sessionType', 'attempts'],
  },
  'openid2:rp.complete': {
    label: 'complete',
    keys: [
      'outcome',
      'code',
      'reason',
      'mode',
      'claimedId',
      'assertedClaimedId',
      'opEndpoint',
      'verifiedBy',
      'returnTo',
    ],
  },
  'openid2:check_authentication': { label: 'check_authentication', keys: ['opEndpoint', 'outcome', 'code'] },
  'openid2:op.request': {
    label: 'provider',
    keys: ['mode', 'outcome', 'isValid', 'assocType', 'sessionType', 'opEndpoint'],
  },
  'openid2:store': { label: 'store', keys: ['operation', 'serverUrl', 'found', 'fresh'] },
  'openid2:worker.job': { label: 'worker job', keys: ['opEndpoint', 'outcome', 'code'] },
};

let installed = false;

/** Subscribe the debug log to every channel, once, when `NODE_DEBUG` names openid2. */
export function installDebugLog(): void {
  if (installed) return;
  installed = true;
  const log: Line & { enabled?: boolean } = debuglog('openid2');
  if (!log.enabled) return;
  const starts = new WeakMap<object, number>();
  for (const name of CHANNEL_NAMES) {
    const { label, keys } = DONE[name];
    const noop = () => {};
    (channel(name) as unknown as TracingChannel<object, object>).subscribe({
      end: noop,
      asyncStart: noop,
      error: noop,
      start(ctx) {
        starts.set(ctx, performance.now());
      },
      asyncEnd(ctx) {
        const t = starts.get(ctx);
        const ms = t === undefined ? '' : ` (${Math.round((performance.now() - t) * 10) / 10} ms)`;
        const err = (ctx as { error?: unknown }).error;
        if (err !== undefined) {
          const e = err as { code?: unknown; message?: unknown };
          log(
            `${label} error ${fields(ctx, keys)} code=${inert(e.code ?? 'internal_error')} reason=${JSON.stringify(inert(e.message))}${ms}`,
          );
          return;
        }
        log(`${label} ${fields(ctx, keys)}${ms}`);
      },
    });
  }
}

/** One extra debug line for a step no channel covers (e.g. an association reused). */
export const debugLine: Line = (msg, ...args) => {
  const log = debuglog('openid2') as Line & { enabled?: boolean };
  if (log.enabled) log(msg, ...args);
};
