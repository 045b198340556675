/** Declarations of scripts/docs.mjs, for the tests that import it. */
export function entryPoints(pkgJson?: { exports?: Record<string, unknown> }): string[];
export function typedocArgs(options?: {
  check?: boolean;
  entries?: string[];
  options?: string;
  out?: string;
}): string[];
