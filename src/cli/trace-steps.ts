/**
 * `--trace` of the CLI: each step of discovery and association, with its
 * time, printed on stderr as it ends. A subscriber of the openid2:*
 * tracing channels, so it shows exactly what the library did.
 */
import * as dc from 'node:diagnostics_channel';
import type { CliIO } from './run.js';

const TRACED = ['openid2:fetch', 'openid2:discovery', 'openid2:associate'] as const;

/** Start printing steps; returns the function that stops. */
export function traceSteps(io: CliIO): () => void {
  const origin = performance.now();
  const started = new WeakMap<object, number>();
  const undo: (() => void)[] = [];
  const ms = (n: number) => `${Math.round(n)} ms`.padStart(7);
  for (const name of TRACED) {
    const channel = dc.tracingChannel(name) as dc.TracingChannel<object, object>;
    const handlers: dc.TracingChannelSubscribers<object> = {
      start(ctx) {
        started.set(ctx, performance.now());
      },
      end() {},
      asyncStart() {},
      error() {},
      asyncEnd(ctx) {
        const t0 = started.get(ctx) ?? origin;
        const c = ctx as Record<string, unknown>;
        const err = c['error'] as { code?: string; message?: string } | undefined;
        const at = `+${ms(t0 - origin)} ${ms(performance.now() - t0)}`;
        let what: string;
        if (name === 'openid2:fetch') {
          const redirected =
            c['finalUrl'] !== undefined && c['finalUrl'] !== c['url'] ? ` → ${c['finalUrl']}` : '';
          what = `${c['method']} ${c['url']}${redirected} ${err ? `failed: ${err.message} (${err.code})` : `HTTP ${c['status']}, ${c['bytes']} bytes`}`;
        } else if (name === 'openid2:discovery') {
          what = err
            ? `discovery of ${c['identifier']} failed (${err.code})`
            : `discovery of ${c['identifier']}: ${c['services']} service(s)${c['cached'] ? ' (cached)' : ''}, claimed id ${c['claimedId']}`;
        } else {
          what = `associate ${c['opEndpoint']}: ${c['outcome']} ${c['assocType'] ?? ''}/${c['sessionType'] ?? ''}${c['code'] ? ` (${c['code']})` : ''}`;
        }
        io.stderr.write(`trace ${at}  ${what}\n`);
      },
    };
    channel.subscribe(handlers);
    undo.push(() => channel.unsubscribe(handlers));
  }
  return () => {
    for (const u of undo.splice(0)) u();
  };
}
