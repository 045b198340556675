/**
 * OpenTelemetry for openid2, as a subscriber of the `openid2:*` tracing
 * channels: one span per operation (a login is one `openid2 rp.complete`
 * span, with its outcome and failure code as attributes), a counter of
 * login outcomes by code, and a duration histogram per operation.
 * Only types come from `@opentelemetry/api` (an optional peer): pass your
 * own tracer and meter.
 *
 * @example
 * import { trace, metrics } from '@opentelemetry/api';
 * import { instrumentOpenTelemetry } from 'openid2/otel';
 * const stop = instrumentOpenTelemetry({ tracer: trace.getTracer('openid2'), meter: metrics.getMeter('openid2') });
 * @see docs/observability.md
 */
import * as dc from 'node:diagnostics_channel';
import type { Attributes, Counter, Histogram, Meter, Span, Tracer } from '@opentelemetry/api';
import { CHANNEL_NAMES } from './diagnostics/channels.js';

/** Options of {@link instrumentOpenTelemetry}. */
export interface OpenTelemetryOptions {
  /** Makes the spans; omit for metrics only. */
  tracer?: Tracer;
  /** Makes the login counter and the duration histogram; omit for spans only. */
  meter?: Meter;
}

/** `SpanStatusCode.ERROR` and `SpanKind.CLIENT` of the API, without importing it at run time. */
const STATUS_ERROR = 2;
const KIND_CLIENT = 2;
const KIND_SERVER = 1;

/** Context fields copied to span attributes as `openid2.<name>` (all non-secret by the channels' contract). */
const ATTRIBUTE_FIELDS = [
  'identifier',
  'opEndpoint',
  'version',
  'associated',
  'mode',
  'outcome',
  'code',
  'claimedId',
  'verifiedBy',
  'returnTo',
  'cached',
  'services',
  'url',
  'method',
  'status',
  'assocType',
  'sessionType',
  'attempts',
  'operation',
  'serverUrl',
  'found',
  'fresh',
  'isValid',
] as const;

function attributesOf(ctx: Record<string, unknown>): Attributes {
  const out: Attributes = {};
  for (const k of ATTRIBUTE_FIELDS) {
    const v = ctx[k];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[`openid2.${k}`] = v;
  }
  return out;
}

/**
 * Subscribe to every openid2 channel; returns the function that unsubscribes.
 * Spans are not parented to each other (the channels carry no OTel context);
 * an app's HTTP span, when active, is their parent.
 */
export function instrumentOpenTelemetry(options: OpenTelemetryOptions): () => void {
  const { tracer, meter } = options;
  const logins: Counter | undefined = meter?.createCounter('openid2.login.outcomes', {
    description: 'Logins completed by the relying party, by outcome and failure code',
  });
  const durations: Histogram | undefined = meter?.createHistogram('openid2.operation.duration', {
    description: 'Duration of each openid2 operation',
    unit: 'ms',
  });
  const spans = new WeakMap<object, { span: Span | undefined; started: number }>();
  const undo: (() => void)[] = [];
  for (const name of CHANNEL_NAMES) {
    const op = name.slice('openid2:'.length);
    const channel = dc.tracingChannel(name) as dc.TracingChannel<object, object>;
    const handlers: dc.TracingChannelSubscribers<object> = {
      start(ctx) {
        const span = tracer?.startSpan(`openid2 ${op}`, {
          kind: op === 'op.request' ? KIND_SERVER : KIND_CLIENT,
          attributes: attributesOf(ctx as Record<string, unknown>),
        });
        spans.set(ctx, { span, started: performance.now() });
      },
      end() {},
      asyncStart() {},
      error() {},
      asyncEnd(ctx) {
        const held = spans.get(ctx);
        if (!held) return;
        spans.delete(ctx);
        const c = ctx as Record<string, unknown>;
        const err = c['error'] as { code?: unknown; message?: unknown } | undefined;
        const attrs = attributesOf(c);
        if (err !== undefined && typeof err.code === 'string') attrs['openid2.code'] = err.code;
        const failed = err !== undefined || c['outcome'] === 'failure' || c['outcome'] === 'failed';
        if (held.span) {
          held.span.setAttributes(attrs);
          if (failed) {
            held.span.setStatus({
              code: STATUS_ERROR,
              message: String(attrs['openid2.code'] ?? (err?.message as string | undefined) ?? 'failed'),
            });
          }
          held.span.end();
        }
        durations?.record(performance.now() - held.started, {
          'openid2.operation': op,
          ...(failed ? { 'openid2.failed': true } : {}),
        });
        if (name === 'openid2:rp.complete') {
          logins?.add(1, {
            'openid2.outcome': String(c['outcome'] ?? 'error'),
            ...(attrs['openid2.code'] === undefined ? {} : { 'openid2.code': attrs['openid2.code'] }),
          });
        }
      },
    };
    channel.subscribe(handlers);
    undo.push(() => channel.unsubscribe(handlers));
  }
  return () => {
    for (const u of undo) u();
  };
}
