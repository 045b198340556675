/**
 * Runs ruby-openid (Debian's ruby-openid, under /usr/bin/ruby) for the
 * interop tests: its provider as a WEBrick server on 127.0.0.1
 * (ruby_op_server.rb) and its consumer as a line-oriented JSON driver
 * (ruby_rp_driver.rb). Both die with the test process: closing stdin stops them.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LineChild } from './line-child.js';
import { type PeerConsumer, type PeerProvider, peerConsumer, peerProvider } from './peer.js';

/** Debian's interpreter, the one its ruby-openid and ruby-webrick packages install for. */
export const RUBY = '/usr/bin/ruby';
const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/**
 * Why the ruby-openid interop tests cannot run here, or `false` when they
 * can. Under CI=true a missing ruby-openid is not a reason to skip: CI
 * installs it (scripts/test-env.sh), so the tests run and fail loudly instead.
 */
export function rubyInteropSkipReason(
  ruby: string = RUBY,
  env: NodeJS.ProcessEnv = process.env,
): string | false {
  const probe = spawnSync(ruby, ['-e', 'require "openid"; require "webrick"'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (probe.status === 0) return false;
  if (env.CI === 'true') return false;
  return `${ruby} cannot load ruby-openid and webrick (install ruby-openid ruby-webrick: scripts/test-env.sh)`;
}

/** The environment for a child: no HTTP proxy, so Net::HTTP reaches 127.0.0.1 directly. */
function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^(https?|all|no)_proxy$/i.test(k)) delete env[k];
  return env;
}

/** What ruby-openid's provider answers with; see ruby_op_server.rb. */
export interface RubyProviderConfig {
  decision?: 'allow' | 'deny';
  user?: string;
  sreg?: Record<string, string>;
  ax?: Record<string, string[]>;
  /** Allow only this association type / session type pair; null: ruby-openid's default list. */
  association?: [assocType: string, sessionType: string] | null;
  /** Drop this shared association handle from the provider's store, as if it had expired there. */
  forget_association?: string;
}

/** One request ruby-openid's provider saw. */
export interface RubyProviderLogEntry {
  mode: string;
  ns?: string;
  assoc_type?: string;
  session_type?: string;
  error?: string;
}

export type RubyProvider = PeerProvider<RubyProviderConfig, RubyProviderLogEntry>;

/** Start ruby-openid's provider (OpenID::Server::Server over an in-memory store). */
export function startRubyProvider(): Promise<RubyProvider> {
  return peerProvider(
    new LineChild(RUBY, [here('ruby_op_server.rb')], { name: 'ruby child', env: childEnv() }),
  );
}

/** How ruby-openid's consumer verifies: associations of these types in this order (default: its own list), or stateless. */
export type RubyConsumerMode =
  | { stateless: true }
  | { stateless: false; associations?: [assocType: string, sessionType: string][] };

export interface RubyBegin {
  identifier: string;
  realm: string;
  return_to: string;
  immediate?: boolean;
  sreg?: { required?: string[]; optional?: string[] };
  ax?: { type: string; required?: boolean; count?: number | 'unlimited' }[];
}

/** ruby-openid's consumer result, as ruby_rp_driver.rb prints it. */
export interface RubyResult {
  status: 'success' | 'failure' | 'cancel' | 'setup_needed';
  identity_url: string | null;
  message?: string;
  setup_url?: string | null;
  signed_fields?: string[];
  sreg?: Record<string, string> | null;
  ax?: Record<string, string[]> | null;
}

export type RubyConsumer = PeerConsumer<
  RubyBegin,
  { redirect_url: string; form_html: string; openid1: boolean },
  RubyResult
>;

/** Start one ruby-openid consumer; its session and store live as long as the process. */
export function startRubyConsumer(mode: RubyConsumerMode): RubyConsumer {
  return peerConsumer(
    new LineChild(RUBY, [here('ruby_rp_driver.rb'), JSON.stringify(mode)], {
      name: 'ruby child',
      env: childEnv(),
    }),
    'ruby-openid consumer raised',
  );
}

/** The browser of python.ts (redirects and auto-submitting forms, each within 20 s). */
export { follow, submitForm } from './python.js';
