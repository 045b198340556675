/**
 * Reading a message's arguments off the network: what input shapes are
 * accepted, and the checks every argument passes before a Message holds it
 * (bounds, duplicates, NUL, newlines, UTF-8). Messages are built from
 * attacker-chosen text, so these run before anything else looks at it.
 */
import { ProtocolError } from './errors.js';
import { OPENID_PREFIX } from './message-namespace.js';

/** Bounds on messages read from the network; past them parsing fails with `message_too_large`. */
export interface MessageLimits {
  /** Most arguments. Default 500. */
  maxArgs?: number;
  /** Longest argument name, in characters. Default 256. */
  maxKeyLength?: number;
  /** Longest value, in characters. Default 64 KiB. */
  maxValueLength?: number;
  /** Sum of all names and values, in characters. Default 1 MiB. */
  maxTotalLength?: number;
}

/** Input accepted by `Message.fromPostArgs`: what a framework gives for a query or form body. */
export type ArgsInput =
  | URLSearchParams
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, unknown>>;

/** The bounds used where the caller sets none. */
export const DEFAULT_LIMITS: Required<MessageLimits> = {
  maxArgs: 500,
  maxKeyLength: 256,
  maxValueLength: 64 * 1024,
  maxTotalLength: 1024 * 1024,
};

/** U+FFFD (the trace of undecodable bytes) or an unpaired surrogate. */
const NOT_UTF8 = /\uFFFD|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Any character one of `checkCharacters`' rules is about, in a name or in a value. */
const KEY_SUSPECT = /[\0\r\n:\uD800-\uDFFF\uFFFD]/;
const VALUE_SUSPECT = /[\0\r\n\uD800-\uDFFF\uFFFD]/;

/** The character rules of one argument: NUL anywhere; newlines, ':' and text that is not UTF-8 in `openid.` ones. */
function checkCharacters(key: string, value: string): void {
  if (key.includes('\0') || value.includes('\0'))
    throw malformed(`argument ${JSON.stringify(key)} contains NUL`);
  if (key.startsWith(OPENID_PREFIX)) {
    if (/[\r\n:]/.test(key))
      throw malformed(`argument name ${JSON.stringify(key)} contains ':' or a newline`);
    // Such a value could never be signed or sent in key-value form.
    if (/[\r\n]/.test(value)) throw malformed(`argument ${key} contains a newline`);
    // U+FFFD is what a lenient decoder (URLSearchParams) makes of bytes that are not
    // UTF-8 (%C0%AF, %ED%A0%80); a lone surrogate is not text at all (security case KV-08).
    if (NOT_UTF8.test(key) || NOT_UTF8.test(value))
      throw malformed(`argument ${JSON.stringify(key)} is not valid UTF-8`);
  }
}

/** The error for an argument no OpenID message may carry. */
export function malformed(message: string): ProtocolError {
  return new ProtocolError('malformed_message', message);
}

/** What a framework gave for a query or form body, as name/value pairs; a non-string value is refused. */
export function entriesOf(input: ArgsInput): Iterable<readonly [string, string]> {
  if (input instanceof URLSearchParams) return input.entries();
  if (Symbol.iterator in input) return input as Iterable<readonly [string, string]>;
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(input)) {
    if (typeof v !== 'string') {
      throw malformed(
        `argument ${JSON.stringify(k)} is ${Array.isArray(v) ? 'an array (repeated or a[] parameter)' : `a ${typeof v}`}, not a string`,
      );
    }
    out.push([k, v]);
  }
  return out;
}

/**
 * The arguments of `entries`, in order, once each passed every check; the
 * first that fails throws `malformed_message` or `message_too_large`.
 */
export function checkedArgs(
  entries: Iterable<readonly [string, string]>,
  limits: MessageLimits,
): Map<string, string> {
  // Read once, no merged copy: every message a login reads passes here.
  const maxArgs = limits.maxArgs ?? DEFAULT_LIMITS.maxArgs;
  const maxKeyLength = limits.maxKeyLength ?? DEFAULT_LIMITS.maxKeyLength;
  const maxValueLength = limits.maxValueLength ?? DEFAULT_LIMITS.maxValueLength;
  const maxTotalLength = limits.maxTotalLength ?? DEFAULT_LIMITS.maxTotalLength;
  const args = new Map<string, string>();
  let total = 0;
  for (const [key, value] of entries) {
    if (typeof key !== 'string' || typeof value !== 'string')
      throw malformed('argument names and values must be strings');
    if (args.has(key)) throw malformed(`argument ${JSON.stringify(key)} appears more than once`);
    if (args.size >= maxArgs) {
      throw new ProtocolError('message_too_large', `message has more than ${maxArgs} arguments`);
    }
    if (key.length > maxKeyLength) {
      throw new ProtocolError(
        'message_too_large',
        `an argument name is longer than ${maxKeyLength} characters`,
      );
    }
    if (value.length > maxValueLength) {
      throw new ProtocolError(
        'message_too_large',
        `argument ${key} is longer than ${maxValueLength} characters`,
      );
    }
    total += key.length + value.length;
    if (total > maxTotalLength) {
      throw new ProtocolError('message_too_large', `message is longer than ${maxTotalLength} characters`);
    }
    // One scan each for any character the checks below are about; most arguments have none.
    if (KEY_SUSPECT.test(key) || VALUE_SUSPECT.test(value)) checkCharacters(key, value);
    args.set(key, value);
  }
  return args;
}
