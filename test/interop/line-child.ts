/**
 * A peer library's process for the interop tests (python-openid, ruby-openid,
 * Net::OpenID, openid4java): a child whose stdout is read one line at a time,
 * each answer with a deadline, and which dies with the test (closing stdin
 * ends it; a child that does not go within 5 s is killed).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';

/** How long one answer may take. */
const ANSWER_MS = 20_000;

export interface LineChildOptions {
  /** Named in errors: "<name> gave no answer". */
  name: string;
  env?: NodeJS.ProcessEnv;
  /** How much of stderr to keep for errors (characters). Default 4000. */
  stderrTail?: number;
}

export class LineChild {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #name: string;
  readonly #lines: string[] = [];
  readonly #waiters: ((line: string | null) => void)[] = [];
  #stderr = '';
  #closed = false;

  constructor(command: string, args: string[], options: LineChildOptions) {
    this.#name = options.name;
    const tail = options.stderrTail ?? 4000;
    this.#child = spawn(command, args, { stdio: 'pipe', ...(options.env ? { env: options.env } : {}) });
    let buffered = '';
    this.#child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      for (let i = buffered.indexOf('\n'); i >= 0; i = buffered.indexOf('\n')) {
        this.#push(buffered.slice(0, i).replace(/\r$/, ''));
        buffered = buffered.slice(i + 1);
      }
    });
    this.#child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-tail);
    });
    // A missing interpreter is an 'error' event: report it as the answer that never came.
    this.#child.on('error', (e) => {
      this.#stderr += `${e.message}\n`;
    });
    this.#child.on('close', () => {
      this.#closed = true;
      for (const w of this.#waiters.splice(0)) w(null);
    });
  }

  #push(line: string): void {
    const w = this.#waiters.shift();
    if (w) w(line);
    else this.#lines.push(line);
  }

  /** The next stdout line; rejects when the process ends or 20 s pass. */
  async nextLine(): Promise<string> {
    const queued = this.#lines.shift();
    const line =
      queued ??
      (this.#closed
        ? null
        : await new Promise<string | null>((resolve) => {
            const timer = setTimeout(() => {
              const i = this.#waiters.indexOf(waiter);
              if (i >= 0) this.#waiters.splice(i, 1);
              resolve(null);
            }, ANSWER_MS);
            const waiter = (l: string | null) => {
              clearTimeout(timer);
              resolve(l);
            };
            this.#waiters.push(waiter);
          }));
    if (line === null) throw new Error(`${this.#name} gave no answer; stderr:\n${this.#stderr}`);
    return line;
  }

  /** The next stdout line as JSON. */
  async next<T>(): Promise<T> {
    return JSON.parse(await this.nextLine()) as T;
  }

  /** Write one line to stdin. */
  writeLine(line: string): void {
    this.#child.stdin.write(`${line}\n`);
  }

  /** Write one value to stdin as a JSON line. */
  send(value: unknown): void {
    this.writeLine(JSON.stringify(value));
  }

  get stderr(): string {
    return this.#stderr;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
      this.#child.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.#child.stdin.end();
    });
  }
}
