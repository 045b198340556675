/**
 * Runs openid4java (Debian's libopenid4java-java, under Java 17) for the
 * interop tests: its consumer as a line driver (JavaRp.java) and its provider
 * as an HTTP server on 127.0.0.1 (JavaOp.java). The sources are compiled with
 * javac into a temporary directory once per test file. Each line in and out
 * is one application/x-www-form-urlencoded record (no JSON library in Java).
 * A child dies with the test: closing stdin stops it, SIGKILL 5 s later.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineChild } from './line-child.js';

/** Debian's jar directory and the package's jar (a symlink to openid4java-<version>.jar). */
const JARS = '/usr/share/java';
export const OPENID4JAVA_JAR = `${JARS}/openid4java.jar`;
export const JAVAC = '/usr/bin/javac';
const JAVA = '/usr/bin/java';
/** What openid4java 1.0 needs at run time, as Debian names the jars (its package's Depends). */
const CLASSPATH = [
  OPENID4JAVA_JAR,
  ...[
    'commons-logging',
    'httpclient',
    'httpcore',
    'commons-codec',
    'nekohtml',
    'xercesImpl',
    'guice',
    'atinject-jsr330-api',
    'aopalliance',
    'guava',
  ].map((n) => `${JARS}/${n}.jar`),
];
const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/**
 * Why the openid4java interop tests cannot run here, or `false` when they
 * can. Under CI=true a missing openid4java or javac is not a reason to skip:
 * CI installs them (scripts/test-env.sh), so the tests run and fail loudly.
 */
export function javaInteropSkipReason(
  jar: string = OPENID4JAVA_JAR,
  javac: string = JAVAC,
  env: NodeJS.ProcessEnv = process.env,
): string | false {
  if (existsSync(jar) && existsSync(javac) && existsSync(JAVA)) return false;
  if (env.CI === 'true') return false;
  return `${jar} or ${javac} is missing (install libopenid4java-java default-jdk-headless: scripts/test-env.sh)`;
}

/** A directory holding the compiled drivers; remove() deletes it. */
export interface JavaBuild {
  dir: string;
  remove(): void;
}

/** Compile the named sources of this folder with javac, within 60 s. */
export async function compileJava(...sources: string[]): Promise<JavaBuild> {
  const dir = mkdtempSync(join(tmpdir(), 'openid4java-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const child = spawn(
    JAVAC,
    ['-nowarn', '-encoding', 'UTF-8', '-d', dir, '-cp', CLASSPATH.join(':'), ...sources.map(here)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    output += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    output += c;
  });
  const code = await new Promise<number | string>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (e) => resolve(e.message));
    child.on('close', (c, signal) => {
      clearTimeout(timer);
      resolve(c ?? String(signal));
    });
  });
  if (code !== 0) {
    remove();
    throw new Error(`javac failed (${code}):\n${output}`);
  }
  return { dir, remove };
}

export type JavaRecord = Map<string, string[]>;

/** Read one urlencoded record: every value of every key, in order. */
function decodeRecord(line: string): JavaRecord {
  const record: JavaRecord = new Map();
  for (const [k, v] of new URLSearchParams(line)) record.set(k, [...(record.get(k) ?? []), v]);
  return record;
}

/** A JVM whose stdout is read one urlencoded record per line. */
export class JavaChild {
  readonly #line: LineChild;

  constructor(build: JavaBuild, mainClass: string, args: string[] = []) {
    this.#line = new LineChild(
      JAVA,
      [
        // A small heap and one compiler thread: the tests are short and the machine is shared.
        '-Xmx128m',
        '-XX:TieredStopAtLevel=1',
        '-XX:CICompilerCount=1',
        '-Dorg.apache.commons.logging.Log=org.apache.commons.logging.impl.SimpleLog',
        '-Dorg.apache.commons.logging.simplelog.defaultlog=warn',
        '-cp',
        [build.dir, ...CLASSPATH].join(':'),
        mainClass,
        ...args,
      ],
      { name: 'java child', stderrTail: 6000 },
    );
  }

  /** The next record; rejects when the JVM ends or 20 s pass. */
  async next(): Promise<JavaRecord> {
    return decodeRecord(await this.#line.nextLine());
  }

  /** Send one record and read the answer; an `error` field (a Java exception) rejects. */
  async call(fields: [string, string][]): Promise<JavaRecord> {
    this.#line.writeLine(new URLSearchParams(fields).toString());
    const out = await this.next();
    const error = out.get('error');
    if (error) throw new Error(`openid4java threw ${error[0]}\n${this.#line.stderr}`);
    return out;
  }

  get stderr(): string {
    return this.#line.stderr;
  }

  close(): Promise<void> {
    return this.#line.close();
  }
}

/** How openid4java's consumer verifies: with an association of this session type, or stateless. */
export type JavaConsumerMode = 'DH-SHA1' | 'DH-SHA256' | 'stateless';

export interface JavaBegin {
  identifier: string;
  realm: string;
  return_to: string;
  immediate?: boolean;
  sreg?: { required?: string[]; optional?: string[] };
  /** Alias, type URI, required, count. */
  ax?: [alias: string, type: string, required: boolean, count: number][];
}

/** What openid4java's ConsumerManager.verify decided, as JavaRp.java prints it. */
export interface JavaResult {
  /** VerificationResult.getVerifiedId(), or null when not verified. */
  verified: string | null;
  /** The class of getAuthResponse(): AuthSuccess, AuthFailure, AuthImmediateFailure. */
  response: string;
  message: string;
  sreg: { [field: string]: string };
  ax: { [type: string]: string[] };
}

export interface JavaConsumer {
  begin(request: JavaBegin): Promise<{ redirectUrl: string; version2: boolean; services: string[] }>;
  complete(url: string, body?: string): Promise<JavaResult>;
}

/** openid4java's consumer driver: one JVM holding any number of consumers (each its own session). */
export class JavaRelyingParties {
  readonly #child: JavaChild;
  #count = 0;

  private constructor(child: JavaChild) {
    this.#child = child;
  }

  static async start(build: JavaBuild): Promise<JavaRelyingParties> {
    const child = new JavaChild(build, 'JavaRp');
    await child.next(); // ready
    return new JavaRelyingParties(child);
  }

  get stderr(): string {
    return this.#child.stderr;
  }

  /** A new ConsumerManager with its own association store and nonce verifier. */
  async consumer(mode: JavaConsumerMode): Promise<JavaConsumer> {
    const id = `c${++this.#count}`;
    const child = this.#child;
    await child.call([
      ['cmd', 'new'],
      ['id', id],
      ['mode', mode],
    ]);
    return {
      async begin(request) {
        const fields: [string, string][] = [
          ['cmd', 'begin'],
          ['id', id],
          ['identifier', request.identifier],
          ['realm', request.realm],
          ['return_to', request.return_to],
        ];
        if (request.immediate) fields.push(['immediate', '1']);
        if (request.sreg?.required?.length) fields.push(['sreg_required', request.sreg.required.join(',')]);
        if (request.sreg?.optional?.length) fields.push(['sreg_optional', request.sreg.optional.join(',')]);
        for (const a of request.ax ?? []) fields.push(['ax', a.join(',')]);
        const out = await child.call(fields);
        return {
          redirectUrl: out.get('redirect_url')?.[0] ?? '',
          version2: out.get('version2')?.[0] === '1',
          services: out.get('service') ?? [],
        };
      },
      async complete(url, body) {
        const fields: [string, string][] = [
          ['cmd', 'complete'],
          ['id', id],
          ['url', url],
        ];
        if (body !== undefined) fields.push(['body', body]);
        const out = await child.call(fields);
        const result: JavaResult = {
          verified: out.get('verified')?.[0] || null,
          response: out.get('response')?.[0] ?? '',
          message: out.get('message')?.[0] ?? '',
          sreg: {},
          ax: {},
        };
        for (const [k, v] of out) {
          if (k.startsWith('sreg.')) result.sreg[k.slice(5)] = v[0] as string;
          if (k.startsWith('ax.')) result.ax[k.slice(3)] = v;
        }
        return result;
      },
    };
  }

  close(): Promise<void> {
    return this.#child.close();
  }
}

/** What openid4java's provider answers with; see JavaOp.java. */
export interface JavaProviderConfig {
  decision?: 'allow' | 'deny';
  /** The user identifier_select answers as (`/id/<user>`). */
  user?: string;
  /** SReg values by field name, given to the fields the request names. */
  sreg?: { [field: string]: string };
  /** AX values by type URI, given to the attributes the request names. */
  ax?: { [type: string]: string };
}

export interface JavaProvider {
  base: string;
  endpoint: string;
  configure(config: JavaProviderConfig): Promise<void>;
  /** Every OpenID request seen: "mode", "associate/ASSOC_TYPE/SESSION_TYPE", "check_authentication is_valid:…". */
  log(): Promise<string[]>;
  readonly stderr: string;
  close(): Promise<void>;
}

/** Start openid4java's ServerManager behind com.sun.net.httpserver (in-memory association stores). */
export async function startJavaProvider(build: JavaBuild): Promise<JavaProvider> {
  const child = new JavaChild(build, 'JavaOp');
  const port = (await child.next()).get('port')?.[0];
  if (!port) throw new Error(`openid4java provider did not start\n${child.stderr}`);
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    endpoint: `${base}/op`,
    async configure(config) {
      const fields: [string, string][] = [
        ['cmd', 'configure'],
        ['decision', config.decision ?? 'allow'],
        ['user', config.user ?? 'alice'],
      ];
      for (const [k, v] of Object.entries(config.sreg ?? {})) fields.push([`sreg.${k}`, v]);
      for (const [k, v] of Object.entries(config.ax ?? {})) fields.push([`ax.${k}`, v]);
      await child.call(fields);
    },
    async log() {
      return (await child.call([['cmd', 'log']])).get('entry') ?? [];
    },
    get stderr() {
      return child.stderr;
    },
    close: () => child.close(),
  };
}
