/**
 * Runs python-openid (Debian's python3-openid, under /usr/bin/python3) for
 * the interop tests: its provider as an HTTP server on 127.0.0.1
 * (op_server.py) and its consumer as a line-oriented JSON driver
 * (rp_driver.py). Both die with the test process: closing stdin stops them.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LineChild } from './line-child.js';
import { type PeerConsumer, type PeerProvider, peerConsumer, peerProvider } from './peer.js';

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

export type PythonProvider = PeerProvider<PythonProviderConfig, PythonProviderLogEntry>;

/** Start python-openid's provider (FileOpenIDStore in a temporary directory). */
export function startPythonProvider(): Promise<PythonProvider> {
  return peerProvider(new LineChild(PYTHON, [here('op_server.py')], { name: 'python driver' }));
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

export type PythonConsumer = PeerConsumer<
  PythonBegin,
  { redirect_url: string; form_html: string; openid1: boolean },
  PythonResult
>;

/** Start one python-openid consumer; its session lives as long as the process. */
export function startPythonConsumer(mode: PythonConsumerMode): PythonConsumer {
  return peerConsumer(
    new LineChild(PYTHON, [here('rp_driver.py'), JSON.stringify(mode)], { name: 'python driver' }),
    'python-openid consumer raised',
  );
}

/**
 * Follow a provider's answer like a browser, whoever wrote the markup: a
 * redirect gives the URL; an auto-submitting form (python-openid writes
 * its own, attributes in any order) gives its action and urlencoded body.
 * Gives up after 20 s unless `init` brings its own signal.
 */
export async function follow(url: string, init: RequestInit = {}): Promise<{ url: string; body?: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(20_000), ...init, redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status >= 300 && res.status < 400 && location) return { url: new URL(location, url).toString() };
  const html = await res.text();
  if (res.status !== 200 || !/<form\b/i.test(html))
    throw new Error(`answered ${res.status}: ${html.slice(0, 300)}`);
  return readForm(html, url);
}

/** A browser submitting an auto-submitting form (POST), then following the answer (within 20 s). */
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
