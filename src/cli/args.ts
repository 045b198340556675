/**
 * Argument parsing for the CLI on Node's `util.parseArgs` (strict: unknown
 * options are usage errors), plus the hints a usage error carries: the
 * closest known name ("did you mean --json?").
 */
import { parseArgs as nodeParseArgs } from 'node:util';

export interface ArgSpec {
  /** Flags without a value. */
  flags?: readonly string[];
  /** Options taking a value. */
  options?: readonly string[];
}

export interface ParsedArgs {
  flags: Set<string>;
  options: Map<string, string>;
  positionals: string[];
}

/** A usage mistake: the CLI prints it with a short usage line and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Edit distance (insert, delete, substitute, swap of neighbours), for "did you mean". */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      row[j] = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** The known name closest to `name`, when it is close enough to be a typing error. */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const dist = editDistance(name, k);
    if (dist < bestDistance) {
      best = k;
      bestDistance = dist;
    }
  }
  const limit = Math.max(1, Math.floor(name.length / 3));
  return bestDistance <= limit || (best?.startsWith(name) && name.length >= 3) ? best : undefined;
}

export function parseArgs(argv: readonly string[], spec: ArgSpec): ParsedArgs {
  const flagNames = spec.flags ?? [];
  const optionNames = spec.options ?? [];
  const config: Record<string, { type: 'boolean' | 'string' }> = {};
  for (const f of flagNames) config[f] = { type: 'boolean' };
  for (const o of optionNames) config[o] = { type: 'string' };
  let parsed: ReturnType<typeof nodeParseArgs>;
  try {
    parsed = nodeParseArgs({ args: [...argv], options: config, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(explain(e, [...flagNames, ...optionNames], optionNames));
  }
  const flags = new Set<string>();
  const options = new Map<string, string>();
  for (const [k, v] of Object.entries(parsed.values)) {
    if (v === true) flags.add(k);
    else if (typeof v === 'string') options.set(k, v);
  }
  return { flags, options, positionals: [...parsed.positionals] };
}

/** Node's parse error in the CLI's words, with the closest known option. */
function explain(e: unknown, known: readonly string[], options: readonly string[]): string {
  const code = (e as { code?: string }).code;
  const text = e instanceof Error ? e.message : String(e);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const raw = /Unknown option '([^']+)'/.exec(text)?.[1] ?? '';
    const name = raw.replace(/^-+/, '').replace(/=.*$/, '');
    const hint = closest(name, known);
    return `unknown option ${raw.startsWith('--') || raw.length > 2 ? `--${name}` : raw}${hint ? ` (did you mean --${hint}?)` : ''}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const name = /--([a-z0-9-]+)/.exec(text)?.[1] ?? '';
    if (options.includes(name)) return `--${name} needs a value`;
    return `--${name} takes no value`;
  }
  return text.split('\n')[0] ?? 'bad arguments';
}

/** A positive integer option, or the default. */
export function intOption(args: ParsedArgs, name: string, fallback: number): number {
  const v = args.options.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive whole number`);
  return n;
}
