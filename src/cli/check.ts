/**
 * `openid2 check <identifier>`: diagnose a provider the way an operator
 * needs, item by item, each with a verdict: discovery (every service, the
 * one chosen and why), association with each type pair, the endpoint's TLS,
 * and with `--realm` the relying-party side (realm, return_to, §13
 * return_to discovery). `--json` prints `{ ok, identifier, items: [{ item,
 * verdict: 'pass' | 'warn' | 'fail' | 'skip', detail, code? }] }`.
 */

import { type AssociationPair, associate, SessionNegotiator } from '../associations/negotiation.js';
import { discover } from '../discovery/discover.js';
import type { ServiceEndpoint } from '../discovery/endpoints.js';
import { createFetcher, type Fetcher } from '../discovery/fetcher.js';
import { discoverReturnTo } from '../discovery/yadis.js';
import { OpenIDError } from '../protocol/errors.js';
import { Realm } from '../protocol/realm.js';
import { intOption, type ParsedArgs, parseArgs, UsageError } from './args.js';
import { type CliIO, commands, EXIT_FAILURE, EXIT_OK, loosenHint, usageMessage } from './run.js';

const usage = `Usage: openid2 check <identifier> [options]

Diagnoses an identifier and its provider: discovery (each service, which one
is chosen and why), association with each type pair, the endpoint's TLS, and
with --realm the realm and return_to a relying party would send. Each item
gets a verdict: pass, warn (logins still work), fail, or skip.

Options:
  --realm <url>              also check this realm (trust root) ...
  --return-to <url>          ... and this return_to (default: the realm)
  --json                     print one JSON object
  --allow-private-networks   allow loopback and private addresses (off by default)
  --timeout-ms <n>           per-request time limit (default 10000)
  --help                     this text

Exit codes: 0 no item failed, 1 an item failed, 2 usage error.
`;

/** The verdict on one item. */
export interface CheckItem {
  item: string;
  verdict: 'pass' | 'warn' | 'fail' | 'skip';
  detail: string;
  code?: string;
}

const PAIRS: readonly AssociationPair[] = [
  { assocType: 'HMAC-SHA256', sessionType: 'DH-SHA256' },
  { assocType: 'HMAC-SHA1', sessionType: 'DH-SHA1' },
  { assocType: 'HMAC-SHA256', sessionType: 'no-encryption' },
  { assocType: 'HMAC-SHA1', sessionType: 'no-encryption' },
];

function describe(e: ServiceEndpoint): string {
  return `OpenID ${e.version}${e.isOpIdentifier ? ' OP identifier' : ''} via ${e.source}: ${e.opEndpoint}`;
}

/** Run every check; never throws for anything the network does. */
export async function runChecks(
  identifier: string,
  options: { fetcher: Fetcher; realm?: string | undefined; returnTo?: string | undefined },
): Promise<CheckItem[]> {
  const items: CheckItem[] = [];
  const { fetcher } = options;
  let chosen: ServiceEndpoint | undefined;
  try {
    const found = await discover(identifier, { fetcher });
    found.endpoints.forEach((e, i) => {
      items.push({ item: `service ${i + 1}`, verdict: 'pass', detail: describe(e) });
    });
    chosen = found.endpoints[0];
    if (chosen) {
      const why =
        chosen.version === '2.0'
          ? 'the first OpenID 2.0 service in priority order (OP identifiers before claimed identifiers)'
          : 'no OpenID 2.0 service: the first OpenID 1.x one';
      items.push({
        item: 'discovery',
        verdict: chosen.version === '2.0' ? 'pass' : 'warn',
        detail: `claimed id ${found.claimedId}; chosen ${chosen.opEndpoint} — ${why}`,
      });
    }
  } catch (e) {
    const err = e instanceof OpenIDError ? e : null;
    items.push({
      item: 'discovery',
      verdict: 'fail',
      detail: `${err ? err.message : String(e)}${err ? loosenHint(err.code) : ''}`,
      ...(err ? { code: err.code } : {}),
    });
  }
  if (!chosen) {
    for (const p of PAIRS)
      items.push({
        item: `associate ${p.assocType}/${p.sessionType}`,
        verdict: 'skip',
        detail: 'no endpoint',
      });
    items.push({ item: 'tls', verdict: 'skip', detail: 'no endpoint' });
  } else {
    let reached = false;
    let tlsError: string | undefined;
    let anyAssociation = false;
    for (const pair of PAIRS) {
      const name = `associate ${pair.assocType}/${pair.sessionType}`;
      if (pair.sessionType === 'no-encryption' && chosen.opEndpoint.startsWith('http:')) {
        items.push({ item: name, verdict: 'skip', detail: 'no-encryption is never used over plain http' });
        continue;
      }
      const r = await associate(chosen.opEndpoint, chosen.version, {
        fetcher,
        negotiator: new SessionNegotiator([pair]),
        pair,
      });
      const last = r.attempts[r.attempts.length - 1];
      if (r.association) {
        anyAssociation = true;
        reached = true;
        items.push({
          item: name,
          verdict: 'pass',
          detail: `handle ${r.association.handle}, lifetime ${r.association.lifetime} s, ${last?.elapsedMs ?? 0} ms`,
        });
        continue;
      }
      const code = r.error?.code ?? 'assoc_unsupported';
      if (code === 'fetch_tls_error') tlsError = r.error?.message;
      if (!code.startsWith('fetch_')) reached = true;
      items.push({
        item: name,
        verdict: code.startsWith('fetch_') || code === 'assoc_response_invalid' ? 'fail' : 'warn',
        detail: `${r.error?.message ?? 'no association'}${loosenHint(code)}`,
        code,
      });
    }
    items.push({
      item: 'associations',
      verdict: anyAssociation ? 'pass' : reached ? 'warn' : 'fail',
      detail: anyAssociation
        ? 'logins can be verified locally with an association'
        : reached
          ? 'no association: every login will be verified with check_authentication (one more request each)'
          : 'the endpoint could not be reached',
    });
    if (chosen.opEndpoint.startsWith('http:')) {
      items.push({ item: 'tls', verdict: 'warn', detail: 'the endpoint is plain http: no TLS' });
    } else if (tlsError) {
      items.push({ item: 'tls', verdict: 'fail', detail: tlsError, code: 'fetch_tls_error' });
    } else {
      items.push({
        item: 'tls',
        verdict: reached ? 'pass' : 'skip',
        detail: reached ? 'https, certificate verified' : 'not reached',
      });
    }
  }
  if (options.realm !== undefined)
    items.push(...(await checkRealm(options.realm, options.returnTo, fetcher)));
  return items;
}

/** The relying-party side: realm syntax, return_to within it, §13 return_to discovery. */
async function checkRealm(
  realmText: string,
  returnTo: string | undefined,
  fetcher: Fetcher,
): Promise<CheckItem[]> {
  const realm = Realm.parse(realmText);
  if (!realm)
    return [
      { item: 'realm', verdict: 'fail', detail: `${realmText} is not a valid realm`, code: 'realm_invalid' },
    ];
  const items: CheckItem[] = [{ item: 'realm', verdict: 'pass', detail: realmText }];
  const target = returnTo ?? realmText.replace('://*.', '://www.');
  items.push(
    realm.validateUrl(target)
      ? { item: 'return_to', verdict: 'pass', detail: `${target} is within the realm` }
      : {
          item: 'return_to',
          verdict: 'fail',
          detail: `${target} is not within ${realmText}`,
          code: 'return_to_not_in_realm',
        },
  );
  try {
    const advertised = await discoverReturnTo(realmText.replace('://*.', '://www.'), fetcher);
    items.push(
      advertised.length
        ? {
            item: 'return_to discovery',
            verdict: 'pass',
            detail: `the realm advertises ${advertised.join(', ')}`,
          }
        : {
            item: 'return_to discovery',
            verdict: 'warn',
            detail: 'the realm publishes no return_to (XRDS): some providers warn users about such sites',
          },
    );
  } catch (e) {
    const err = e instanceof OpenIDError ? e : null;
    items.push({
      item: 'return_to discovery',
      verdict: 'warn',
      detail: `${err ? err.message : String(e)}${err ? loosenHint(err.code) : ''}`,
      ...(err ? { code: err.code } : {}),
    });
  }
  return items;
}

async function run(argv: string[], io: CliIO): Promise<number> {
  let args: ParsedArgs;
  let timeoutMs: number;
  try {
    args = parseArgs(argv, {
      flags: ['json', 'allow-private-networks'],
      options: ['realm', 'return-to', 'timeout-ms'],
    });
    timeoutMs = intOption(args, 'timeout-ms', 10_000);
    if (args.positionals.length !== 1) throw new UsageError('give exactly one identifier');
    if (args.options.has('return-to') && !args.options.has('realm'))
      throw new UsageError('--return-to needs --realm');
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(usageMessage('check', usage, e.message));
    return 2;
  }
  const identifier = args.positionals[0] as string;
  const fetcher = createFetcher({
    timeoutMs,
    allowPrivateNetworks: args.flags.has('allow-private-networks'),
  });
  const items = await runChecks(identifier, {
    fetcher,
    realm: args.options.get('realm'),
    returnTo: args.options.get('return-to'),
  });
  const ok = !items.some((i) => i.verdict === 'fail');
  if (args.flags.has('json')) {
    io.stdout.write(`${JSON.stringify({ ok, identifier, items })}\n`);
  } else {
    const width = Math.max(...items.map((i) => i.item.length));
    const lines = [`openid2 check ${identifier}`, ''];
    for (const i of items)
      lines.push(
        `${i.verdict.toUpperCase().padEnd(4)}  ${i.item.padEnd(width)}  ${i.detail}${i.code ? ` (${i.code})` : ''}`,
      );
    const counts = ['pass', 'warn', 'fail', 'skip'].map(
      (v) => `${items.filter((i) => i.verdict === v).length} ${v}`,
    );
    lines.push('', `${ok ? 'OK' : 'FAILED'}: ${counts.join(', ')}`);
    io.stdout.write(`${lines.join('\n')}\n`);
  }
  return ok ? EXIT_OK : EXIT_FAILURE;
}

commands.set('check', {
  summary: 'diagnose an identifier and its provider, with a verdict per item',
  usage,
  run,
});
