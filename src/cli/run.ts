/** Command dispatch for the `openid2` CLI, with I/O passed in so tests can drive it. */

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

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(mainHelp());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const cmd = commands.get(name);
  if (!cmd) {
    io.stderr.write(`openid2: unknown command '${name}'\n\n${mainHelp()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(cmd.usage.endsWith('\n') ? cmd.usage : `${cmd.usage}\n`);
    return EXIT_OK;
  }
  return cmd.run(rest, io);
}
