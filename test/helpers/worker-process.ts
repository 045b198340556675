/**
 * `openid2 worker` as a child process for tests: its JSON log lines as they
 * arrive, waiting for a line, signals, and the exit code.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface WorkerProcess {
  child: ChildProcess;
  /** Parsed JSON lines of stdout so far. */
  lines: Record<string, unknown>[];
  stderr(): string;
  /** Resolves with the first line matching, or rejects after `timeoutMs`. */
  waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<void>;
  /** The exit code (null when killed by a signal). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  count(event: string): number;
}

export function startWorkerProcess(args: string[]): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'worker', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let err = '';
  let buf = '';
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl = buf.indexOf('\n');
    while (nl !== -1) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        lines.push({ event: 'not_json', text });
      }
      nl = buf.indexOf('\n');
    }
    for (const l of listeners) l();
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    stderr: () => err,
    exited,
    count: (event) => lines.filter((l) => l['event'] === event).length,
    waitFor(match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (lines.some(match)) {
            done();
            resolve();
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`worker log never matched; stderr: ${err}\nlines: ${JSON.stringify(lines)}`));
        }, timeoutMs);
        const onExit = () => {
          check();
          done();
          reject(new Error(`worker exited first; stderr: ${err}\nlines: ${JSON.stringify(lines)}`));
        };
        function done() {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        }
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
  };
}
