/**
 * Locates the python-openid test vectors, kept in the repository at
 * `test/vectors/python-openid/` (data files only; provenance and license in
 * test/vectors/README.md). `OPENID2_VECTORS_DIR` may point elsewhere, for
 * trying another copy of the same files.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const testRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Absolute path of the vectors folder. */
export const vectorsDir: string =
  process.env['OPENID2_VECTORS_DIR'] || join(testRoot, 'vectors', 'python-openid');

/** Path of a vector file relative to the vectors folder. */
export function vectorPath(relative: string): string {
  return join(vectorsDir, relative);
}

/** A vector file's bytes as text (utf8). */
export function readVector(relative: string): string {
  return readFileSync(vectorPath(relative), 'utf8');
}
