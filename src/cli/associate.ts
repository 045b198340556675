/**
 * `openid2 associate <op-endpoint-or-identifier>`: negotiate an association
 * with a real provider and report each attempt — the pair offered, the
 * provider's answer and the time it took. `--json` prints
 * `{ ok, opEndpoint, version, discoveryMs, attempts: [{ assocType, sessionType, outcome, message?, elapsedMs }],
 *   association: { handle, assocType, lifetime } | null, error?: { code, message } }`.
 */
import { performance } from 'node:perf_hooks';
import { type AssociationPair, associate, SessionNegotiator } from '../associations/negotiation.js';
import { type DiscoveryResult, discover } from '../discovery/discover.js';
import { createFetcher, type Fetcher } from '../discovery/fetcher.js';
import type { AssociationType, OpenIDVersion, SessionType } from '../protocol/constants.js';
import { OpenIDError } from '../protocol/errors.js';
import { inert, inertJson } from '../protocol/inert.js';
import { intOption, parseArgs, UsageError } from './args.js';
import { type CliIO, commands, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, loosenHint, usageMessage } from './run.js';

const usage = `Usage: openid2 associate <op-endpoint-or-identifier> [options]

Negotiates an association (spec §8) with a provider and reports what was offered,
what the provider answered and how long each step took.

Options:
  --type <t>                 HMAC-SHA256 (default) or HMAC-SHA1
  --session <s>              DH-SHA256 (default with HMAC-SHA256), DH-SHA1, no-encryption (https only)
  --endpoint                 treat the argument as an OP endpoint URL (skip discovery; a URL
                             that names no OpenID service is taken as an endpoint anyway)
  --openid1                  with --endpoint: speak OpenID 1.1
  --json                     print one JSON object
  --allow-private-networks   allow loopback and private addresses (off by default)
  --timeout-ms <n>           per-request time limit (default 10000)
  --help                     this text

Exit codes: 0 associated, 1 no association, 2 usage error.
`;

const TYPES = new Set(['HMAC-SHA256', 'HMAC-SHA1']);
const SESSIONS = new Set(['DH-SHA256', 'DH-SHA1', 'no-encryption']);

async function run(argv: string[], io: CliIO): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  let pair: AssociationPair;
  let timeoutMs: number;
  try {
    args = parseArgs(argv, {
      flags: ['json', 'allow-private-networks', 'endpoint', 'openid1'],
      options: ['type', 'session', 'timeout-ms'],
    });
    if (args.positionals.length !== 1) throw new UsageError('give exactly one OP endpoint or identifier');
    const assocType = args.options.get('type') ?? 'HMAC-SHA256';
    if (!TYPES.has(assocType)) throw new UsageError(`unknown --type ${assocType}`);
    const sessionType = args.options.get('session') ?? (assocType === 'HMAC-SHA1' ? 'DH-SHA1' : 'DH-SHA256');
    if (!SESSIONS.has(sessionType)) throw new UsageError(`unknown --session ${sessionType}`);
    pair = { assocType: assocType as AssociationType, sessionType: sessionType as SessionType };
    timeoutMs = intOption(args, 'timeout-ms', 10_000);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(usageMessage('associate', usage, inert(e.message)));
    return EXIT_USAGE;
  }
  const json = args.flags.has('json');
  const target = args.positionals[0] as string;
  const fetcher = createFetcher({
    timeoutMs,
    allowPrivateNetworks: args.flags.has('allow-private-networks'),
  });
  let opEndpoint = target;
  let version: OpenIDVersion = args.flags.has('openid1') ? '1.1' : '2.0';
  let discoveryMs = 0;
  try {
    if (!args.flags.has('endpoint')) {
      const t0 = performance.now();
      const found = await discoverOrEndpoint(target, fetcher);
      discoveryMs = Math.round(performance.now() - t0);
      if (found === 'endpoint') {
        if (!json) io.stderr.write(`${target} names no OpenID service: treating it as an OP endpoint\n`);
      } else {
        const e = found.endpoints[0];
        if (!e) throw new OpenIDError('no_endpoint', 'discovery found no endpoint');
        opEndpoint = e.opEndpoint;
        version = e.version;
      }
    }
  } catch (e) {
    if (!(e instanceof OpenIDError)) throw e;
    if (json) io.stdout.write(`${inertJson({ ok: false, error: { code: e.code, message: e.message } })}\n`);
    else
      io.stderr.write(
        `openid2 associate: discovery failed: ${inert(e.message, 1000)} (${e.code})${loosenHint(e.code)}\n`,
      );
    return EXIT_FAILURE;
  }
  // The chosen pair first, then whatever the provider suggests if it is one of ours.
  const negotiator = new SessionNegotiator([
    pair,
    ...([
      { assocType: 'HMAC-SHA256', sessionType: 'DH-SHA256' },
      { assocType: 'HMAC-SHA1', sessionType: 'DH-SHA1' },
      { assocType: 'HMAC-SHA256', sessionType: 'no-encryption' },
      { assocType: 'HMAC-SHA1', sessionType: 'no-encryption' },
    ] as AssociationPair[]),
  ]);
  const result = await associate(opEndpoint, version, { fetcher, negotiator, pair });
  const a = result.association;
  if (json) {
    io.stdout.write(
      `${inertJson({
        ok: a !== null,
        opEndpoint,
        version,
        discoveryMs,
        attempts: result.attempts.map((t) => ({
          assocType: t.pair.assocType,
          sessionType: t.pair.sessionType,
          outcome: t.outcome,
          ...(t.message === undefined ? {} : { message: t.message }),
          elapsedMs: t.elapsedMs,
        })),
        association: a ? { handle: a.handle, assocType: a.assocType, lifetime: a.lifetime } : null,
        ...(result.error ? { error: result.error } : {}),
      })}\n`,
    );
  } else {
    const lines = [`OP endpoint: ${inert(opEndpoint)} (OpenID ${version})`];
    if (discoveryMs) lines.push(`discovery:   ${discoveryMs} ms`);
    for (const t of result.attempts) {
      lines.push(
        `offered ${t.pair.assocType}/${t.pair.sessionType}: ${t.outcome}${t.message ? ` (${inert(t.message)})` : ''} in ${t.elapsedMs} ms`,
      );
    }
    if (a) lines.push(`associated:  handle ${inert(a.handle)}, ${a.assocType}, lifetime ${a.lifetime} s`);
    else
      lines.push(
        `no association: ${inert(result.error?.message ?? 'unknown')} (${inert(result.error?.code ?? '?', 60)})`,
      );
    io.stdout.write(`${lines.join('\n')}\n`);
  }
  return a ? EXIT_OK : EXIT_FAILURE;
}

/**
 * Discover `target`; when it is an http(s) URL whose documents name no
 * OpenID service (an OP endpoint answers a GET with a page or an error),
 * say to use it as the endpoint itself.
 */
async function discoverOrEndpoint(target: string, fetcher: Fetcher): Promise<DiscoveryResult | 'endpoint'> {
  try {
    return await discover(target, { fetcher });
  } catch (e) {
    const asEndpoint =
      /^https?:\/\//i.test(target) &&
      e instanceof OpenIDError &&
      ['no_openid_service', 'not_discoverable', 'http_status', 'xrds_invalid'].includes(e.code);
    if (asEndpoint) return 'endpoint';
    throw e;
  }
}

commands.set('associate', { summary: 'negotiate an association with a provider, with timings', usage, run });
