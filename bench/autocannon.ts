/**
 * The part of autocannon's programmatic API the HTTP suite uses, typed here
 * (the package ships no declarations).
 */
import { createRequire } from 'node:module';

/** One raw request autocannon sends. */
export interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** A request template; `setupRequest` may change each one before it is sent. */
export interface AutocannonRequestSpec extends AutocannonRequest {
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
  onResponse?: (status: number, body: string) => void;
}

export interface AutocannonOptions {
  url: string;
  connections: number;
  /** Seconds. */
  duration: number;
  /** Stop after this many requests even before `duration`. */
  maxOverallRequests?: number;
  requests?: AutocannonRequestSpec[];
}

/** A latency histogram summary, milliseconds. */
export interface Percentiles {
  p50: number;
  p99: number;
  average: number;
}

export interface AutocannonResult {
  duration: number;
  requests: { total: number; average: number };
  latency: Percentiles;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats?: Record<string, { count: number }>;
}

type Autocannon = (
  options: AutocannonOptions,
  callback: (error: unknown, result: AutocannonResult) => void,
) => unknown;

const load = createRequire(import.meta.url)('autocannon') as Autocannon;

/** Runs one bounded load test. */
export function autocannon(options: AutocannonOptions): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    load(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}
