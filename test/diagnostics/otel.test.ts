/**
 * The OpenTelemetry recipe (openid2/otel) with the SDK's in-memory
 * exporters: one span per login with outcome and code as attributes, a
 * counter of outcomes by code, a duration histogram.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { instrumentOpenTelemetry } from '../../src/otel.js';
import { RelyingParty } from '../../src/rp/relying-party.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { browse, type ProviderServer, startProviderServer } from '../helpers/op-server.js';

let ps: ProviderServer;
before(async () => {
  ps = await startProviderServer();
});
after(() => ps.close());

test('one span per login with outcome and code, and a login counter by code', async () => {
  const spans = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const stop = instrumentOpenTelemetry({
    tracer: tracerProvider.getTracer('test'),
    meter: meterProvider.getMeter('test'),
  });
  try {
    const rp = new RelyingParty({
      realm: 'http://rp.example/',
      returnTo: 'http://rp.example/return',
      secret: 'k'.repeat(40),
      store: new MemoryStore(),
      fetch: { allowPrivateNetworks: true },
    });
    const identifier = `${ps.base}/id/alice`;
    const auth = await rp.begin(identifier);
    const back = await browse(auth.redirectUrl);
    assert.equal((await rp.complete(back.url, { state: auth.state })).status, 'success');
    assert.equal((await rp.complete(back.url, { state: auth.state })).status, 'failure'); // replay

    const logins = spans.getFinishedSpans().filter((s) => s.name === 'openid2 rp.complete');
    assert.equal(logins.length, 2);
    assert.equal(logins[0]?.attributes['openid2.outcome'], 'success');
    assert.equal(logins[0]?.attributes['openid2.claimedId'], identifier);
    assert.equal(logins[0]?.status.code, 0);
    assert.equal(logins[1]?.attributes['openid2.outcome'], 'failure');
    assert.equal(logins[1]?.attributes['openid2.code'], 'nonce_replay');
    assert.equal(logins[1]?.status.code, 2);
    assert.equal(logins[1]?.status.message, 'nonce_replay');
    const names = new Set(spans.getFinishedSpans().map((s) => s.name));
    for (const n of [
      'openid2 rp.begin',
      'openid2 discovery',
      'openid2 fetch',
      'openid2 associate',
      'openid2 op.request',
    ])
      assert.ok(names.has(n), n);
    for (const s of spans.getFinishedSpans())
      assert.ok(!JSON.stringify(s.attributes).includes(auth.state), 'the state token in a span');

    await reader.forceFlush();
    const metrics = metricExporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    const counter = metrics.find((m) => m.descriptor.name === 'openid2.login.outcomes');
    const points = (counter?.dataPoints ?? []).map((p) => [
      p.attributes['openid2.outcome'],
      p.attributes['openid2.code'],
      p.value,
    ]);
    assert.deepEqual(
      points.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        ['failure', 'nonce_replay', 1],
        ['success', undefined, 1],
      ],
    );
    const hist = metrics.find((m) => m.descriptor.name === 'openid2.operation.duration');
    const ops = new Set((hist?.dataPoints ?? []).map((p) => p.attributes['openid2.operation']));
    assert.ok(ops.has('rp.complete') && ops.has('discovery'), [...ops].join(','));
  } finally {
    stop();
    await meterProvider.shutdown();
    await tracerProvider.shutdown();
  }
});
