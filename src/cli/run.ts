/** Command dispatch for the `openid2` CLI, with I/O passed in so tests can drive it. */
import { readFileSync } from 'node:fs';
import { closest } from './args.js';

export interface CliIO {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  env: Record<string, string | undefined>;
}

/** A subcommand: its one-line summary, usage text and entry point. */
export interface CliCommand {
  summary: string;
  usage: string;
  run(args: string[], io: CliIO): Promise<number>;
}

/** Subcommands register here (see each command's module). */
export const commands = new Map<string, CliCommand>();

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function mainHelp(): string {
  const lines = ['Usage: openid2 <command> [options]', '', 'Commands:'];
  for (const [name, cmd] of commands) lines.push(`  ${name.padEnd(10)} ${cmd.summary}`);
  if (commands.size === 0) lines.push('  (none yet)');
  lines.push('', 'Run `openid2 <command> --help` for the options of a command.');
  return `${lines.join('\n')}\n`;
}

/** The version of this package, from its package.json. */
export function cliVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'openid2' && pkg.version) return pkg.version;
    } catch {
      // try the next location (src/cli or dist/cli)
    }
  }
  return 'unknown';
}

/**
 * What a usage error prints: the mistake, the usage line of the command
 * (not the whole help) and where the help is.
 */
export function usageMessage(command: string, usage: string, message: string): string {
  const line = usage.split('\n').find((l) => l.startsWith('Usage:')) ?? `Usage: openid2 ${command}`;
  return `openid2 ${command}: ${message}\n${line}\nRun 'openid2 ${command} --help' for every option.\n`;
}

/** A refusal the user can lift: the flag that loosens it, for a failure code. */
export function loosenHint(code: string): string {
  if (code === 'fetch_blocked')
    return ' — private and loopback addresses are refused; pass --allow-private-networks to allow them';
  if (code === 'insecure_transport') return ' — plain http is refused here; use an https URL';
  return '';
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout.write(`openid2 ${cliVersion()}\n`);
    return EXIT_OK;
  }
  const cmd = commands.get(name);
  if (!cmd) {
    const hint = closest(name.replace(/^-+/, ''), commands.keys());
    io.stderr.write(
      `openid2: unknown command '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}\n` +
        `Usage: openid2 <command> [options]   (commands: ${[...commands.keys()].join(', ')})\n` +
        `Run 'openid2 --help' for more.\n`,
    );
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(cmd.usage.endsWith('\n') ? cmd.usage : `${cmd.usage}\n`);
    return EXIT_OK;
  }
  return cmd.run(rest, io);
}
