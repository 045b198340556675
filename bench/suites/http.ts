/**
 * HTTP (issue 10, item 6), on request only (`npm run bench -- http`): the
 * Provider over node:http on 127.0.0.1 in a child process, under autocannon
 * with 50 connections for at most 10 s (3 s when quick) and at most a fixed
 * number of requests: checkid_setup answered with an auto-approved, signed
 * redirect, and check_authentication of stateless assertions.
 * Requests/s and latency percentiles are autocannon's.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OPENID2_NS } from 'openid2';
import { type AutocannonResult, autocannon } from '../autocannon.js';
import { type BenchResult, isQuick } from '../harness.js';
import type { PreparedMessage } from '../http-provider.js';

/** Runs only when named: it takes tens of seconds and loads both cores. */
export const onRequest = true;

const CONNECTIONS = 50;

function once<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type?: string }) => {
      if (m.type === type) {
        child.off('message', onMessage);
        resolve(m as T);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`provider process exited (${code})`)));
  });
}

function row(name: string, r: AutocannonResult, notes: Record<string, string>): BenchResult {
  const seconds = r.duration;
  return {
    group: 'http',
    name,
    iterations: r.requests.total,
    medianMs: r.latency.p50,
    p99Ms: r.latency.p99,
    opsPerSec: r.requests.total / seconds,
    opsPerCpuSec: Number.NaN,
    concurrency: CONNECTIONS,
    notes: { connections: String(CONNECTIONS), seconds: seconds.toFixed(1), ...notes },
  };
}

export async function run(): Promise<BenchResult[]> {
  const duration = isQuick() ? 3 : 10;
  const maxRequests = isQuick() ? 6_000 : 40_000;
  const child = fork(fileURLToPath(new URL('../http-provider.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ready = await once<{ base: string; endpoint: string }>(child, 'ready');
    const identity = `${ready.base}/id/alice`;
    const checkid = new URLSearchParams({
      'openid.ns': OPENID2_NS,
      'openid.mode': 'checkid_setup',
      'openid.claimed_id': identity,
      'openid.identity': identity,
      'openid.return_to': 'http://127.0.0.1/return',
      'openid.realm': 'http://127.0.0.1/',
    });
    const preparedP = once<PreparedMessage>(child, 'prepared');
    child.send({ type: 'prepare', count: maxRequests + CONNECTIONS, checkidQuery: checkid.toString() });
    const prepared = await preparedP;
    checkid.set('openid.assoc_handle', prepared.assocHandle);

    const base = { connections: CONNECTIONS, duration, maxOverallRequests: maxRequests };
    const setup = await autocannon({ ...base, url: `${ready.endpoint}?${checkid.toString()}` });
    const redirects = Number(setup.statusCodeStats?.['302']?.count ?? 0);

    let next = 0;
    let valid = 0;
    const check = await autocannon({
      ...base,
      url: ready.endpoint,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          // Changed in place: returning a copy made autocannon itself the bottleneck (about 5x fewer requests/s).
          setupRequest: (req) => {
            req.body = prepared.checkAuthBodies[next++] ?? '';
            return req;
          },
          onResponse: (_status, body) => {
            if (body.includes('is_valid:true')) valid++;
          },
        },
      ],
    });
    return [
      row('checkid_setup, auto-approve, signed 302 (shared assoc)', setup, {
        '302s': String(redirects),
        errors: String(setup.errors + setup.non2xx - redirects),
      }),
      row('check_authentication (stateless assertions)', check, {
        'is_valid:true': String(valid),
        errors: String(check.errors + check.non2xx),
      }),
    ];
  } finally {
    child.disconnect();
  }
}
