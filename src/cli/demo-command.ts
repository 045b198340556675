/**
 * `openid2 demo`: the demo provider and relying party in one process. The
 * demo is not library code: it lives in demo/ at the top of the repository,
 * uses only the package's public entry points, and is compiled on its own to
 * dist/demo/ (docs/architecture.md, "The demo"). This command loads it by a
 * relative path when asked for, so nothing in src/ imports it.
 */

import { intOption, parseArgs, UsageError } from './args.js';
import { type CliIO, commands, EXIT_FAILURE, EXIT_USAGE, usageMessage } from './run.js';

const usage = `Usage: openid2 demo [options]

Runs a demo OpenID provider (/op/) and a demo relying party (/) in one process,
so you can create an account, sign in with it, and see what the site receives.

Options:
  --port <n>      port to listen on (default 3000; when taken, the next free one; 0 any)
  --host <h>      address to listen on (default 127.0.0.1)
  --store <url>   store for associations and nonces (default sqlite:./openid2-demo.db;
                  also postgres://…, mysql://…, redis://…, file:/dir, memory:)
  --help          this text
`;

/** What the CLI needs of demo/server.ts (test/demo/port.test.ts checks the demo matches it). */
export interface DemoModule {
  startDemo(options: { port: number; host?: string; store?: string }): Promise<{
    url: string;
    providerUrl: string;
    portNote?: string;
    close(): Promise<void>;
  }>;
}

/**
 * The demo's entry: dist/demo/server.js beside dist/cli/ once built (and in the published
 * package); demo/server.ts at the top of the repository when the CLI runs from source (tsx).
 */
export function demoEntry(cliModuleUrl: string = import.meta.url): URL {
  return cliModuleUrl.endsWith('.ts')
    ? new URL('../../demo/server.ts', cliModuleUrl)
    : new URL('../demo/server.js', cliModuleUrl);
}

async function run(argv: string[], io: CliIO): Promise<number> {
  let port: number;
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(argv, { options: ['port', 'host', 'store'] });
    port = args.options.get('port') === '0' ? 0 : intOption(args, 'port', 3000);
    if (args.positionals.length) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(usageMessage('demo', usage, e.message));
    return EXIT_USAGE;
  }
  let demo: Awaited<ReturnType<DemoModule['startDemo']>>;
  try {
    const { startDemo } = (await import(demoEntry().href)) as DemoModule;
    const store = args.options.get('store');
    const host = args.options.get('host');
    demo = await startDemo({ port, ...(store ? { store } : {}), ...(host ? { host } : {}) });
  } catch (e) {
    io.stderr.write(`openid2 demo: could not start: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT_FAILURE;
  }
  if (demo.portNote) io.stdout.write(`openid2 demo: ${demo.portNote}\n`);
  io.stdout.write(
    `openid2 demo running:\n  relying party: ${demo.url}\n  provider:      ${demo.providerUrl}\nOpen ${demo.url} in a browser. Ctrl-C stops it.\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await demo.close();
  return 0;
}

commands.set('demo', { summary: 'run a demo provider and relying party you can log into', usage, run });
