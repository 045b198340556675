/**
 * Runs python-openid (Debian's python3-openid, under /usr/bin/python3) for
 * the interop tests: its provider as an HTTP server on 127.0.0.1
 * (op_server.py) and its consumer as a line-oriented JSON driver
 * (rp_driver.py). Both die with the test process: closing stdin stops them.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LineChild } from './line-child.js';

/** Debian's interpreter: the `python3` on PATH may be another Python without python-openid. */
export const PYTHON = '/usr/bin/python3';
const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/**
 * Why the interop tests cannot run here, or `false` when they can. Under
 * CI=true a missing python-openid is not a reason to skip: CI installs it
 * (scripts/test-env.sh), so the tests run and fail loudly instead.
 */
export function interopSkipReason(
  python: string = PYTHON,
  env: NodeJS.ProcessEnv = process.env,
): string | false {
  const probe = spawnSync(python, ['-c', 'import openid'], { encoding: 'utf8', timeout: 20_000 });
  if (probe.status === 0) return false;
  if (env.CI === 'true') return false;
  return `${python} cannot import python-openid (install python3-openid: scripts/test-env.sh)`;
}

/** What python-openid's provider answers with; see op_server.py. */
export interface PythonProviderConfig {
  decision?: 'allow' | 'deny';
  user?: string;
  sreg?: Record<string, string>;
  ax?: Record<string, string[]>;
  pape?: { auth_policies?: string[]; auth_time?: string; auth_levels?: Record<string, string> } | null;
  /** Drop this shared association handle from the provider's store, as if it had expired there. */
  forget_association?: string;
  /** Allow only this association type / session type pair; null: python-openid's default list. */
  association?: [assocType: string, sessionType: string] | null;
  /** The endpoint /multi/NAME lists first (priority 0): a URL nothing listens on. */
  dead_endpoint?: string;
  /** `'unusable-suggestion'`: HMAC-SHA256 associate requests get unsupported-type suggesting HMAC-SHA256 over DH-SHA1. */
  quirk?: 'unusable-suggestion' | null;
}

/** One request python-openid's provider saw. */
export interface PythonProviderLogEntry {
  mode: string;
  ns?: string;
  assoc_type?: string;
  session_type?: string;
  error?: string;
}

export interface PythonProvider {
  base: string;
  endpoint: string;
  configure(config: PythonProviderConfig): Promise<void>;
  log(): Promise<PythonProviderLogEntry[]>;
  close(): Promise<void>;
}

/** Start python-openid's provider (FileOpenIDStore in a temporary directory). */
export async function startPythonProvider(): Promise<PythonProvider> {
  const child = new LineChild(PYTHON, [here('op_server.py')], { name: 'python driver' });
  const { port } = await child.next<{ port: number }>();
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    endpoint: `${base}/op`,
    async configure(config) {
      const res = await fetch(`${base}/control`, { method: 'POST', body: JSON.stringify(config) });
      if (!res.ok) throw new Error(`control answered ${res.status}`);
    },
    async log() {
      return (await (await fetch(`${base}/log`)).json()) as PythonProviderLogEntry[];
    },
    close: () => child.close(),
  };
}

/** How python-openid's consumer verifies: associations of these types in this order (default: its own list), or stateless. */
export type PythonConsumerMode =
  | { stateless: true }
  | { stateless: false; associations?: [assocType: string, sessionType: string][] };

export interface PythonBegin {
  identifier: string;
  realm: string;
  return_to: string;
  immediate?: boolean;
  anonymous?: boolean;
  sreg?: { required?: string[]; optional?: string[]; policy_url?: string; ns?: string };
  ax?: { type: string; required?: boolean; count?: number | 'unlimited' }[];
  pape?: { preferred_auth_policies?: string[]; max_auth_age?: number };
}

/** python-openid's consumer result, as rp_driver.py prints it. */
export interface PythonResult {
  status: 'success' | 'failure' | 'cancel' | 'setup_needed';
  identity_url: string | null;
  message?: string;
  setup_url?: string;
  signed_fields?: string[];
  sreg?: Record<string, string> | null;
  ax?: Record<string, string[]> | null;
  ax_error?: string;
  pape?: { auth_policies: string[]; auth_time: string | null; auth_levels: Record<string, string> } | null;
}

export interface PythonConsumer {
  begin(request: PythonBegin): Promise<{ redirect_url: string; form_html: string; openid1: boolean }>;
  complete(url: string, body?: string): Promise<PythonResult>;
  stderr(): string;
  close(): Promise<void>;
}

/** Start one python-openid consumer; its session lives as long as the process. */
export function startPythonConsumer(mode: PythonConsumerMode): PythonConsumer {
  const child = new LineChild(PYTHON, [here('rp_driver.py'), JSON.stringify(mode)], {
    name: 'python driver',
  });
  async function call<T>(command: object): Promise<T> {
    child.send(command);
    const out = await child.next<T & { error?: string }>();
    if (out.error) throw new Error(`python-openid consumer raised ${out.error}\n${child.stderr}`);
    return out;
  }
  return {
    begin: (request) => call({ cmd: 'begin', ...request }),
    complete: (url, body) => call({ cmd: 'complete', url, body: body ?? null }),
    stderr: () => child.stderr,
    close: () => child.close(),
  };
}

/**
 * Follow a provider's answer like a browser, whoever wrote the markup: a
 * redirect gives the URL; an auto-submitting form (python-openid writes
 * its own, attributes in any order) gives its action and urlencoded body.
 */
export async function follow(url: string, init: RequestInit = {}): Promise<{ url: string; body?: string }> {
  const res = await fetch(url, { ...init, redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status >= 300 && res.status < 400 && location) return { url: new URL(location, url).toString() };
  const html = await res.text();
  if (res.status !== 200 || !/<form\b/i.test(html))
    throw new Error(`answered ${res.status}: ${html.slice(0, 300)}`);
  return readForm(html, url);
}

/** A browser submitting an auto-submitting form (POST), then following the answer. */
export async function submitForm(html: string, base: string): Promise<{ url: string; body?: string }> {
  const form = readForm(html, base);
  return follow(form.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.body,
  });
}

/** The action and urlencoded hidden fields of the first form in `html`. */
export function readForm(html: string, base: string): { url: string; body: string } {
  const form = /<form\b[^>]*>/i.exec(html)?.[0];
  if (!form) throw new Error(`no form in ${html.slice(0, 300)}`);
  const fields = new URLSearchParams();
  for (const [input] of html.matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(input, 'name');
    if (attribute(input, 'type')?.toLowerCase() === 'hidden' && name !== null)
      fields.append(name, attribute(input, 'value') ?? '');
  }
  return { url: new URL(attribute(form, 'action') ?? '', base).toString(), body: fields.toString() };
}

function attribute(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`, 'i').exec(tag);
  if (!m) return null;
  return (m[2] ?? m[3] ?? '')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}
