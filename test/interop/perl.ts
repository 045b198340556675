/**
 * Runs Perl's Net::OpenID (Debian's libnet-openid-server-perl and
 * libnet-openid-consumer-perl, under /usr/bin/perl) for the interop tests:
 * its provider as an HTTP server on 127.0.0.1 (perl_op_server.pl) and its
 * consumer as a line-oriented JSON driver (perl_rp_driver.pl). Both die with
 * the test process: closing stdin stops them.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LineChild } from './line-child.js';
import { type PeerConsumer, type PeerProvider, peerConsumer, peerProvider } from './peer.js';

/** Debian's interpreter, where the Debian packages install the modules. */
export const PERL = '/usr/bin/perl';
const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/** The modules the two scripts load; their Debian packages are installed by scripts/test-env.sh. */
const MODULES = ['Net::OpenID::Consumer', 'Net::OpenID::Server', 'LWP::UserAgent', 'HTTP::Daemon'];

/**
 * Why the Perl interop tests cannot run here, or `false` when they can.
 * Under CI=true missing modules are not a reason to skip: CI installs them
 * (scripts/test-env.sh), so the tests run and fail loudly instead.
 */
export function perlSkipReason(perl: string = PERL, env: NodeJS.ProcessEnv = process.env): string | false {
  const probe = spawnSync(perl, [...MODULES.map((m) => `-M${m}`), '-e', '1'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (probe.status === 0) return false;
  if (env.CI === 'true') return false;
  return `${perl} cannot load Net::OpenID (install libnet-openid-consumer-perl, libnet-openid-server-perl, libwww-perl, libhttp-daemon-perl: scripts/test-env.sh)`;
}

/** What Net::OpenID::Server's host app does; see perl_op_server.pl. */
export interface PerlProviderConfig {
  /** allow: signed in and trusted; deny: refused at the setup page; setup: agreed at the setup page (SReg answered). */
  decision?: 'allow' | 'deny' | 'setup';
  user?: string;
  sreg?: Record<string, string>;
  /** A new server secret: every association handle given out so far is dead. */
  rotate_secret?: boolean;
  /** The library's OpenID 1.0 compatibility mode (issued / valid_to signed, lifetime in check_authentication). */
  compat?: boolean;
  /** Set no endpoint_url (optional in the library): 2.0 answers then carry no op_endpoint. */
  no_endpoint_url?: boolean;
}

/** One request Net::OpenID::Server's endpoint saw. */
export interface PerlProviderLogEntry {
  mode: string;
  ns?: string;
  assoc_type?: string;
  session_type?: string;
  /** handle_page gave no answer (its err()). */
  error?: string;
  /** Fields of its key-value answer to associate / check_authentication. */
  answer?: Record<string, string>;
}

export type PerlProvider = PeerProvider<PerlProviderConfig, PerlProviderLogEntry>;

/** Start Net::OpenID::Server behind HTTP::Daemon. */
export function startPerlProvider(): Promise<PerlProvider> {
  return peerProvider(new LineChild(PERL, [here('perl_op_server.pl')], { name: 'perl script' }));
}

/**
 * How Net::OpenID::Consumer runs: with a cache (associations, replay memory
 * of response_nonce), or none (every assertion checked with
 * check_authentication); `assoc_options` as its documentation names them.
 */
export type PerlConsumerMode =
  | { stateless: true }
  | {
      stateless: false;
      assoc_options?: { assoc_type?: string; session_type?: string; max_encrypt?: boolean };
    };

export interface PerlBegin {
  identifier: string;
  realm: string;
  return_to: string;
  immediate?: boolean;
  /** SReg 1.1 request arguments (comma-separated field lists). */
  sreg?: { required?: string; optional?: string; policy_url?: string };
}

/** Net::OpenID::Consumer's view of a claimed identifier, and where it sends the browser. */
export interface PerlBegun {
  check_url: string;
  claimed_url: string;
  delegated_url: string | null;
  server: string;
  protocol_version: 1 | 2;
}

/** Net::OpenID::Consumer's verdict on what came back, as perl_rp_driver.pl prints it. */
export interface PerlResult {
  status: 'verified' | 'cancel' | 'setup_needed' | 'error' | 'not_openid';
  url?: string;
  setup_url?: string | null;
  errcode?: string;
  errtext?: string;
  signed_fields?: string[];
  /** SReg 1.1 fields among the signed ones (signed_extension_fields). */
  sreg?: Record<string, string>;
}

export type PerlConsumer = PeerConsumer<PerlBegin, PerlBegun, PerlResult>;

/** Start one Net::OpenID::Consumer driver; its cache lives as long as the process. */
export function startPerlConsumer(mode: PerlConsumerMode): PerlConsumer {
  return peerConsumer(
    new LineChild(PERL, [here('perl_rp_driver.pl'), JSON.stringify(mode)], { name: 'perl script' }),
    'Net::OpenID::Consumer driver',
  );
}
