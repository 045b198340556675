/**
 * Key-value form encoding (spec §4.1.1): one `key:value\n` line per pair, used
 * in direct responses and as the signed text of a signature.
 *
 * @example
 * kvform.serialize({ mode: 'error', error: 'bad request' }); // 'mode:error\nerror:bad request\n'
 * kvform.parse('is_valid:true\n'); // { is_valid: 'true' }
 */
import { utf8Length } from '../platform/bytes.js';
import { EncodingError, ProtocolError } from './errors.js';

/** Pairs in order; a record is taken in its own key order. */
export type KVPairs = Iterable<readonly [string, string]> | Readonly<Record<string, string>>;

/** Limits for decoding key-value form from a peer. */
export interface KVParseOptions {
  /** Largest accepted document, in UTF-8 bytes. Default 1 MiB. */
  maxBytes?: number;
  /** Most lines accepted. Default 1,000. */
  maxPairs?: number;
}

/** What a lenient decode kept and what it dropped, with why. */
export interface KVLenientResult {
  /** The pairs that were kept. */
  values: Record<string, string>;
  /** The lines that were not. */
  dropped: {
    /** Line number, from 1. */
    line: number;
    /** The line as received. */
    text: string;
    /** Why it was dropped. */
    reason: string;
  }[];
}

const DEFAULT_MAX_BYTES = 1024 * 1024;
const DEFAULT_MAX_PAIRS = 1000;

function toPairs(pairs: KVPairs): Iterable<readonly [string, string]> {
  return Symbol.iterator in pairs
    ? (pairs as Iterable<readonly [string, string]>)
    : Object.entries(pairs as Record<string, string>);
}

/**
 * Encode pairs as key-value form. Throws `EncodingError` on a key containing
 * ':' or a newline, an empty key, or a value containing a newline: such input
 * would let one value smuggle in another pair.
 */
export function serialize(pairs: KVPairs): string {
  let out = '';
  for (const [key, value] of toPairs(pairs)) {
    if (typeof key !== 'string' || typeof value !== 'string') {
      throw new EncodingError('key-value form keys and values must be strings');
    }
    if (key.length === 0) throw new EncodingError('key-value form key is empty');
    if (key.includes(':')) throw new EncodingError(`key-value form key contains ':': ${JSON.stringify(key)}`);
    if (/[\n\r]/.test(key))
      throw new EncodingError(`key-value form key contains a newline: ${JSON.stringify(key)}`);
    if (/[\n\r]/.test(value)) {
      throw new EncodingError(`key-value form value for ${JSON.stringify(key)} contains a newline`);
    }
    out += `${key}:${value}\n`;
  }
  return out;
}

function checkSize(text: string, options: KVParseOptions): void {
  if (typeof text !== 'string')
    throw new ProtocolError('kvform_invalid', 'key-value form input is not a string');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  // length is a lower bound of the UTF-8 size; only count bytes when it could matter.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && utf8Length(text) > maxBytes)) {
    throw new ProtocolError('kvform_too_large', `key-value form document is larger than ${maxBytes} bytes`);
  }
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  // A trailing newline leaves one empty string behind: it is not a line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Strict decode: every line must be `key:value`, keys non-empty and unique,
 * no carriage returns, and the document must end with a newline (spec §4.1.1).
 * Throws `ProtocolError` with code `kvform_invalid` (or `kvform_too_large`).
 * Returns a null-prototype record, so keys like `__proto__` are plain data.
 */
export function parse(text: string, options: KVParseOptions = {}): Record<string, string> {
  checkSize(text, options);
  if (text.length > 0 && !text.endsWith('\n')) {
    throw new ProtocolError('kvform_invalid', 'key-value form document does not end with a newline');
  }
  const lines = splitLines(text);
  const maxPairs = options.maxPairs ?? DEFAULT_MAX_PAIRS;
  if (lines.length > maxPairs) {
    throw new ProtocolError('kvform_too_large', `key-value form document has more than ${maxPairs} lines`);
  }
  const out: Record<string, string> = Object.create(null);
  lines.forEach((line, i) => {
    const reason = lineProblem(line, out);
    if (reason) throw new ProtocolError('kvform_invalid', `key-value form line ${i + 1}: ${reason}`);
    const colon = line.indexOf(':');
    out[line.slice(0, colon)] = line.slice(colon + 1);
  });
  return out;
}

function lineProblem(line: string, seen: Record<string, string>): string | null {
  if (line.includes('\r')) return 'contains a carriage return';
  const colon = line.indexOf(':');
  if (colon === -1) return "has no ':'";
  if (colon === 0) return 'has an empty key';
  if (Object.hasOwn(seen, line.slice(0, colon)))
    return `repeats the key ${JSON.stringify(line.slice(0, colon))}`;
  return null;
}

/**
 * Lenient decode for interoperating with sloppy peers: keeps every good
 * line, reports each dropped one with the reason. A missing final newline is
 * tolerated; a trailing `\r` is stripped; a repeated key keeps the first value.
 */
export function parseLenient(text: string, options: KVParseOptions = {}): KVLenientResult {
  checkSize(text, options);
  const maxPairs = options.maxPairs ?? DEFAULT_MAX_PAIRS;
  const values: Record<string, string> = Object.create(null);
  const dropped: KVLenientResult['dropped'] = [];
  const lines = splitLines(text);
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') {
      dropped.push({ line: i + 1, text: raw, reason: 'empty line' });
      return;
    }
    if (Object.keys(values).length >= maxPairs) {
      dropped.push({ line: i + 1, text: raw, reason: `more than ${maxPairs} pairs` });
      return;
    }
    const reason = lineProblem(line, values);
    if (reason) {
      dropped.push({ line: i + 1, text: raw, reason });
      return;
    }
    const colon = line.indexOf(':');
    values[line.slice(0, colon)] = line.slice(colon + 1);
  });
  return { values, dropped };
}
