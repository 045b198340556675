/**
 * `openid2 discover <identifier>`: what discovery finds for an identifier,
 * endpoint by endpoint, with timings. `--json` prints one stable object:
 * `{ ok, input, claimedId, normalizedInput, identifierType, elapsedMs, endpoints: [{ version, opEndpoint,
 * claimedId, localId, types, isOpIdentifier, source }] }` or `{ ok: false, code, message }`.
 */
import { performance } from 'node:perf_hooks';
import { discover } from '../discovery/discover.js';
import { OpenIDError } from '../protocol/errors.js';
import { inert, inertJson } from '../protocol/inert.js';
import { intOption, parseArgs, UsageError } from './args.js';
import { type CliIO, commands, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, loosenHint, usageMessage } from './run.js';
import { traceSteps } from './trace-steps.js';

const usage = `Usage: openid2 discover <identifier> [options]

Finds the OpenID endpoints of an identifier (URL or XRI) by Yadis/XRDS and HTML discovery.

Options:
  --json                     print one JSON object instead of text
  --allow-private-networks   allow loopback and private addresses (intranets, local tests);
                             off by default: the SSRF guard applies to the CLI too
  --trace                    print each step (fetches, redirects, services) with timings on stderr
  --timeout-ms <n>           total time for the discovery fetches (default 10000)
  --xri-proxy <url>          XRI proxy resolver, for XRI identifiers
  --help                     this text

Exit codes: 0 found endpoints, 1 discovery failed, 2 usage error.
`;

async function run(argv: string[], io: CliIO): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  let timeoutMs: number;
  try {
    args = parseArgs(argv, {
      flags: ['json', 'allow-private-networks', 'trace'],
      options: ['timeout-ms', 'xri-proxy'],
    });
    timeoutMs = intOption(args, 'timeout-ms', 10_000);
    if (args.positionals.length !== 1) throw new UsageError('give exactly one identifier');
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(usageMessage('discover', usage, inert(e.message)));
    return EXIT_USAGE;
  }
  const input = args.positionals[0] as string;
  const json = args.flags.has('json');
  if (!json && io.stderr.isTTY) io.stderr.write(`discovering ${inert(input)} …\n`);
  const started = performance.now();
  const stopTrace = args.flags.has('trace') ? traceSteps(io) : () => {};
  try {
    const xriProxy = args.options.get('xri-proxy');
    const result = await discover(input, {
      fetch: { timeoutMs, allowPrivateNetworks: args.flags.has('allow-private-networks') },
      ...(xriProxy === undefined ? {} : { xriProxy }),
    });
    const elapsedMs = Math.round(performance.now() - started);
    stopTrace();
    if (json) {
      io.stdout.write(
        `${inertJson({
          ok: true,
          input,
          claimedId: result.claimedId,
          normalizedInput: result.normalizedInput,
          identifierType: result.identifierType,
          elapsedMs,
          endpoints: result.endpoints.map((e) => ({
            version: e.version,
            opEndpoint: e.opEndpoint,
            claimedId: e.claimedId,
            localId: e.localId,
            types: e.types,
            isOpIdentifier: e.isOpIdentifier,
            source: e.source,
          })),
        })}\n`,
      );
    } else {
      const lines = [`claimed id: ${inert(result.claimedId)}`, `discovered in ${elapsedMs} ms`, ''];
      result.endpoints.forEach((e, i) => {
        lines.push(
          `${i + 1}. OpenID ${e.version}${e.isOpIdentifier ? ' (OP identifier)' : ''} via ${e.source}`,
        );
        lines.push(`   OP endpoint: ${inert(e.opEndpoint)}`);
        if (e.localId) lines.push(`   local id:    ${inert(e.localId)}`);
        lines.push(`   types:       ${e.types.map((t) => inert(t, 120)).join(', ')}`);
      });
      io.stdout.write(`${lines.join('\n')}\n`);
    }
    return EXIT_OK;
  } catch (e) {
    if (!(e instanceof OpenIDError)) throw e;
    stopTrace();
    if (json) io.stdout.write(`${inertJson({ ok: false, input, code: e.code, message: e.message })}\n`);
    else io.stderr.write(`openid2 discover: ${inert(e.message, 1000)} (${e.code})${loosenHint(e.code)}\n`);
    return EXIT_FAILURE;
  }
}

commands.set('discover', { summary: 'find the OpenID endpoints of an identifier', usage, run });
