/**
 * `openid2 worker`: the association worker as its own process (DESIGN.md §5).
 * It takes OP endpoints off the queue the relying parties fill, associates
 * with each and stores the association where the relying parties look.
 * Every event is one JSON line on stdout; on a terminal a status line on
 * stderr shows the counts. SIGINT/SIGTERM: the entry in hand is finished,
 * the rest of the batch given back, then it exits 0.
 */

import type { AssociationQueue } from '../background/queue.js';
import {
  runWorkerOnce,
  startAssociationWorker,
  type WorkerOptions,
  type WorkerStats,
} from '../background/worker.js';
import { openQueue, openStore } from '../drivers/open.js';
import { redact } from '../stores/common.js';
import type { OpenIDStore } from '../stores/store.js';
import { intOption, parseArgs, UsageError } from './args.js';
import { type CliIO, commands, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, usageMessage } from './run.js';

const usage = `Usage: openid2 worker [--once | --watch] [options]

Takes OP endpoints off the association queue, negotiates an association with
each provider (Diffie-Hellman, spec §8) and stores it, so relying parties in
'background' mode use it from their next login on. Renews associations before
they expire. Logs one JSON line per event on stdout.

Options:
  --store <url>              store the relying parties use (default sqlite:./openid2.db;
                             also postgres://…, mysql://…, redis://…, file:/dir)
  --queue <url>              queue the relying parties push to (default: beside the store,
                             for sqlite:, postgres://, mysql:// and redis:// stores;
                             file:/dir for a file queue)
  --once                     drain the queue and exit (cron style)
  --watch                    wait for new entries and keep going (the default)
  --batch <n>                entries taken at a time (default 10)
  --lease-ms <n>             how long a taken entry is held before another worker may
                             take it again (default 60000)
  --renew-margin <s>         renew associations expiring within this many seconds (default 300)
  --timeout-ms <n>           per-request time limit towards providers (default 10000)
  --key-prefix <p>           Redis key prefix (default openid2:)
  --table-prefix <p>         SQL table prefix (default openid2_)
  --allow-private-networks   allow providers on loopback and private addresses (off by default)
  --help                     this text

Exit codes: 0 done (or stopped by a signal), 1 an entry failed or the store or
queue is unreachable (--once; --watch logs it and tries again every second),
2 usage error.
`;

/** Every scheme openStore() / openQueue() know. */
const KNOWN = /^(sqlite|postgres|postgresql|mysql|mariadb|redis|rediss|file|memory):/i;
/** Schemes whose queue can live beside the store under the same URL. */
const SHARED = /^(sqlite|postgres|postgresql|mysql|mariadb|redis|rediss):/i;

interface Parsed {
  storeUrl: string;
  queueUrl: string;
  once: boolean;
  batch: number;
  leaseMs: number;
  margin: number;
  timeoutMs: number;
  keyPrefix: string | undefined;
  tablePrefix: string | undefined;
  allowPrivate: boolean;
}

function parse(argv: string[]): Parsed {
  const args = parseArgs(argv, {
    flags: ['once', 'watch', 'allow-private-networks'],
    options: [
      'store',
      'queue',
      'batch',
      'lease-ms',
      'renew-margin',
      'timeout-ms',
      'key-prefix',
      'table-prefix',
    ],
  });
  if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  if (args.flags.has('once') && args.flags.has('watch'))
    throw new UsageError('give --once or --watch, not both');
  const storeUrl = args.options.get('store') ?? 'sqlite:./openid2.db';
  let queueUrl = args.options.get('queue');
  if (/^memory:/i.test(queueUrl ?? '') || /^memory:/i.test(storeUrl))
    throw new UsageError('memory: lives in one process; a worker process needs a shared store and queue');
  for (const [flag, url] of [
    ['--store', storeUrl],
    ['--queue', queueUrl],
  ] as const) {
    if (url !== undefined && !KNOWN.test(url)) {
      const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
      throw new UsageError(
        `${flag}: ${scheme ? `unknown scheme '${scheme}:'` : `not a store URL: ${redact(url)}`} (use sqlite:, postgres://, mysql://, redis://, file:)`,
      );
    }
  }
  if (queueUrl === undefined) {
    if (!SHARED.test(storeUrl))
      throw new UsageError('--queue is needed with this store (file:/dir for a file queue)');
    queueUrl = storeUrl;
  }
  return {
    storeUrl,
    queueUrl,
    once: args.flags.has('once'),
    batch: intOption(args, 'batch', 10),
    leaseMs: intOption(args, 'lease-ms', 60_000),
    margin: intOption(args, 'renew-margin', 300),
    timeoutMs: intOption(args, 'timeout-ms', 10_000),
    keyPrefix: args.options.get('key-prefix'),
    tablePrefix: args.options.get('table-prefix'),
    allowPrivate: args.flags.has('allow-private-networks'),
  };
}

/** A status line on a terminal, rewritten in place; nothing when stderr is not a TTY. */
function statusLine(io: CliIO, stats: WorkerStats) {
  if (!io.stderr.isTTY) return { update() {}, end() {} };
  return {
    update(last?: string) {
      io.stderr.write(
        `\r\x1b[Ktaken ${stats.taken}, associated ${stats.associated}, skipped ${stats.skipped}, failed ${stats.failed}${last ? ` · ${last}` : ''}`,
      );
    },
    end() {
      io.stderr.write('\n');
    },
  };
}

async function run(argv: string[], io: CliIO): Promise<number> {
  let p: Parsed;
  try {
    p = parse(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(usageMessage('worker', usage, e.message));
    return EXIT_USAGE;
  }
  const log = (line: Record<string, unknown>) =>
    io.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
  const prefixes = {
    ...(p.keyPrefix === undefined ? {} : { keyPrefix: p.keyPrefix }),
    ...(p.tablePrefix === undefined ? {} : { tablePrefix: p.tablePrefix }),
  };
  let store: OpenIDStore;
  let queue: AssociationQueue;
  try {
    store = await openStore(p.storeUrl, prefixes);
    queue = await openQueue(p.queueUrl, { ...prefixes, leaseMs: p.leaseMs });
  } catch (e) {
    io.stderr.write(`openid2 worker: ${redact(e instanceof Error ? e.message : String(e))}\n`);
    return EXIT_FAILURE;
  }
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) log({ event: 'stopping', signal });
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stats: WorkerStats = { taken: 0, associated: 0, skipped: 0, failed: 0 };
  const status = statusLine(io, stats);
  const options: WorkerOptions = {
    store,
    queue,
    batchSize: p.batch,
    renewalMarginSeconds: p.margin,
    fetch: { timeoutMs: p.timeoutMs, allowPrivateNetworks: p.allowPrivate },
    signal: controller.signal,
    logger: (line) => {
      log(line);
      // The worker's own stats object is not ours in --once mode: count from the events.
      // Each of these events ends one entry taken off the queue.
      if (line['event'] === 'associated') stats.associated++;
      else if (line['event'] === 'skipped') stats.skipped++;
      else if (line['event'] === 'associate_failed') stats.failed++;
      if (['associated', 'skipped', 'associate_failed'].includes(String(line['event']))) stats.taken++;
      status.update(typeof line['opEndpoint'] === 'string' ? line['opEndpoint'] : undefined);
    },
  };
  log({
    event: 'worker_started',
    mode: p.once ? 'once' : 'watch',
    store: redact(p.storeUrl),
    queue: redact(p.queueUrl),
  });
  status.update(p.once ? 'draining the queue' : 'waiting for entries');
  let code = EXIT_OK;
  try {
    if (p.once) {
      await runWorkerOnce(options);
      if (stats.failed > 0) code = EXIT_FAILURE;
    } else {
      const worker = startAssociationWorker(options);
      const stop = () => void worker.stop();
      controller.signal.addEventListener('abort', stop, { once: true });
      await worker.done;
    }
  } catch (e) {
    log({ event: 'worker_error', message: redact(e instanceof Error ? e.message : String(e)) });
    code = EXIT_FAILURE;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    status.end();
    await queue.close?.().catch(() => {});
    await store.close?.().catch(() => {});
  }
  log({ event: 'worker_stopped', ...stats });
  return code;
}

commands.set('worker', {
  summary: 'associate in the background: drain the association queue (--once) or watch it',
  usage,
  run,
});
