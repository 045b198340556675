/**
 * The two shapes every peer library takes in the interop tests, over a
 * {@link LineChild}: a provider that prints `{ port }` and serves `/op`,
 * `/control` (what to answer next) and `/log` (the requests it saw), and a
 * consumer driven one JSON command per line (`begin`, `complete`).
 */
import type { LineChild } from './line-child.js';

/** How long one control or log request to a peer provider may take. */
const CONTROL_MS = 20_000;

export interface PeerProvider<Config, LogEntry> {
  base: string;
  endpoint: string;
  configure(config: Config): Promise<void>;
  log(): Promise<LogEntry[]>;
  stderr(): string;
  close(): Promise<void>;
}

/** The provider in `child`, once it has said which port it listens on. */
export async function peerProvider<Config, LogEntry>(
  child: LineChild,
): Promise<PeerProvider<Config, LogEntry>> {
  const { port } = await child.next<{ port: number }>();
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    endpoint: `${base}/op`,
    async configure(config) {
      const res = await fetch(`${base}/control`, {
        method: 'POST',
        body: JSON.stringify(config),
        signal: AbortSignal.timeout(CONTROL_MS),
      });
      if (!res.ok) throw new Error(`control answered ${res.status}`);
      await res.arrayBuffer();
    },
    async log() {
      const res = await fetch(`${base}/log`, { signal: AbortSignal.timeout(CONTROL_MS) });
      return (await res.json()) as LogEntry[];
    },
    stderr: () => child.stderr,
    close: () => child.close(),
  };
}

export interface PeerConsumer<Begin, Begun, Result> {
  begin(request: Begin): Promise<Begun>;
  complete(url: string, body?: string): Promise<Result>;
  stderr(): string;
  close(): Promise<void>;
}

/** The consumer driver in `child`; an answer with `error` rejects, named `what`, with the child's stderr. */
export function peerConsumer<Begin, Begun, Result>(
  child: LineChild,
  what: string,
): PeerConsumer<Begin, Begun, Result> {
  async function call<T>(command: object): Promise<T> {
    child.send(command);
    const out = await child.next<T & { error?: string }>();
    if (out.error) throw new Error(`${what}: ${out.error}\n${child.stderr}`);
    return out;
  }
  return {
    begin: (request) => call({ cmd: 'begin', ...request }),
    complete: (url, body) => call({ cmd: 'complete', url, body: body ?? null }),
    stderr: () => child.stderr,
    close: () => child.close(),
  };
}
