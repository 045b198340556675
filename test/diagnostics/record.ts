/** Records every openid2:* channel event during a test, as JSON snapshots of the contexts. */
import dc from 'node:diagnostics_channel';
import { CHANNEL_NAMES } from '../../src/diagnostics/index.js';

export interface Event {
  channel: string;
  phase: 'start' | 'asyncEnd' | 'error';
  /** The context as JSON at that moment (error objects as code and message). */
  json: string;
  ctx: Record<string, unknown>;
}

function snapshot(ctx: object): string {
  return JSON.stringify(ctx, (_k, v) =>
    v instanceof Error ? { code: (v as { code?: unknown }).code, message: v.message } : v,
  );
}

/** Subscribe to every channel; `stop()` unsubscribes. */
export function record(): {
  events: Event[];
  stop(): void;
  done(channel: string): Record<string, unknown>[];
} {
  const events: Event[] = [];
  const subs: [dc.TracingChannel<object, object>, dc.TracingChannelSubscribers<object>][] = [];
  for (const name of CHANNEL_NAMES) {
    const c = dc.tracingChannel(name) as dc.TracingChannel<object, object>;
    const push = (phase: Event['phase']) => (ctx: object) =>
      events.push({ channel: name, phase, json: snapshot(ctx), ctx: JSON.parse(snapshot(ctx)) });
    const s: dc.TracingChannelSubscribers<object> = {
      start: push('start'),
      end: () => {},
      asyncStart: () => {},
      asyncEnd: push('asyncEnd'),
      error: push('error'),
    };
    c.subscribe(s);
    subs.push([c, s]);
  }
  return {
    events,
    stop: () => {
      for (const [c, s] of subs) c.unsubscribe(s);
    },
    done: (channel) =>
      events.filter((e) => e.channel === channel && e.phase === 'asyncEnd').map((e) => e.ctx),
  };
}
