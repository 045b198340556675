/**
 * Locates the python-openid test vectors in `../shared/vectors/python-openid/`
 * (beside the repository, never copied into it). When they are absent, tests
 * that need them skip and say so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Absolute path of the vectors folder, or null when `../shared` is absent. */
export const vectorsDir: string | null = (() => {
  const candidates = [
    process.env['OPENID2_VECTORS_DIR'],
    join(repoRoot, '..', 'shared', 'vectors', 'python-openid'),
  ].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return candidates.find((p) => existsSync(join(p, 'README.md'))) ?? null;
})();

/** The reason to pass as `skip` when the vectors are missing, or false when present. */
export const vectorsSkip: string | false =
  vectorsDir === null
    ? 'python-openid vectors not found at ../shared/vectors/python-openid (skipped)'
    : false;

/** Path of a vector file relative to the vectors folder. Only call when `vectorsDir` is set. */
export function vectorPath(relative: string): string {
  if (vectorsDir === null) throw new Error(String(vectorsSkip));
  return join(vectorsDir, relative);
}

/** A vector file's bytes as latin1-safe text (utf8). Only call when `vectorsDir` is set. */
export function readVector(relative: string): string {
  return readFileSync(vectorPath(relative), 'utf8');
}

if (vectorsDir === null) {
  process.stderr.write(`NOTE: ${vectorsSkip}\n`);
}
