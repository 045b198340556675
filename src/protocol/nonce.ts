/**
 * `openid.response_nonce` (spec §10.1): a UTC timestamp in the strict form
 * `YYYY-MM-DDTHH:MM:SSZ` followed by up to 235 printable ASCII characters.
 * Time is always passed in (Unix seconds); nothing here reads the clock.
 */
import { OpenIDError, ProtocolError } from './errors.js';
import { randomBytesPooled } from './random.js';

/**
 * Default allowed distance, in seconds, between a nonce's timestamp and now:
 * 5 hours, as python-openid. A relying party keeps used nonces at least this
 * long, so a smaller value also means a smaller nonce store.
 */
export const DEFAULT_NONCE_SKEW = 5 * 60 * 60;

/** Spec §10.1: the whole nonce is at most 255 characters. */
export const MAX_NONCE_LENGTH = 255;

/** Length of the random salt {@link makeNonce} adds when none is given. */
export const DEFAULT_NONCE_SALT_LENGTH = 8;

/** Latest time the four-digit year can express: 9999-12-31T23:59:59Z. */
const MAX_TIMESTAMP = 253402300799;
/** Earliest: 0000-01-01T00:00:00Z. */
const MIN_TIMESTAMP = -62167219200;

// Upper-case T and Z only, no offset, no fractional seconds (spec §10.1; security case NO-08).
const NONCE_RE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z([\x21-\x7e]*)$/;
const SALT_RE = /^[\x21-\x7e]*$/;

/** A nonce split into its parts. */
export interface NonceParts {
  /** The timestamp, in Unix seconds. */
  timestamp: number;
  /** Everything after the `Z` (may be empty). */
  salt: string;
}

/** Result of {@link checkNonceTime}: a reason, never a bare `false`. */
export type NonceTimeCheck =
  | {
      /** The nonce is well formed and within the allowed skew. */
      ok: true;
      /** Its time, in Unix seconds. */
      timestamp: number;
    }
  | {
      /** The nonce is refused. */
      ok: false;
      /** Why: malformed, or outside the allowed skew. */
      code: 'nonce_malformed' | 'nonce_skew';
      /** A sentence for logs. */
      message: string;
    };

/** Options of {@link checkNonceTime}. */
export interface NonceTimeOptions {
  /** Largest allowed |timestamp - now|, in seconds. Default {@link DEFAULT_NONCE_SKEW}. */
  skewSeconds?: number;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12); exact for every year. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Formats Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`. */
function formatTimestamp(seconds: number): string {
  const d = new Date(seconds * 1000);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}Z`
  );
}

/** Unbiased random printable ASCII (33-126), from a CSPRNG. */
function randomSalt(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytesPooled(length * 2)) {
      // 188 = 2 * 94: dropping bytes above it keeps every character equally likely.
      if (byte < 188 && out.length < length) out += String.fromCharCode(33 + (byte % 94));
    }
  }
  return out;
}

/**
 * Makes a `response_nonce` for the time `nowSeconds` (Unix seconds, fractions
 * dropped). Without `salt`, {@link DEFAULT_NONCE_SALT_LENGTH} random printable
 * characters from a CSPRNG make it unique.
 *
 * @throws ProtocolError `nonce_malformed` when the time is outside years
 *   0000-9999, the salt has characters outside ASCII 33-126, or the nonce
 *   would pass 255 characters.
 * @example makeNonce(1116177111, 'UNIQUE') // '2005-05-15T17:11:51ZUNIQUE'
 * @see OpenID 2.0 §10.1
 */
export function makeNonce(nowSeconds: number, salt?: string): string {
  if (!Number.isFinite(nowSeconds)) {
    throw new ProtocolError('nonce_malformed', 'nonce time must be a finite number of seconds');
  }
  const seconds = Math.floor(nowSeconds);
  if (seconds < 0 || seconds > MAX_TIMESTAMP) {
    throw new ProtocolError('nonce_malformed', 'nonce time must be between 1970 and the year 9999');
  }
  const tail = salt ?? randomSalt(DEFAULT_NONCE_SALT_LENGTH);
  if (typeof tail !== 'string' || !SALT_RE.test(tail)) {
    throw new ProtocolError('nonce_malformed', 'nonce salt must be printable ASCII (33-126)');
  }
  const nonce = formatTimestamp(seconds) + tail;
  if (nonce.length > MAX_NONCE_LENGTH) {
    throw new ProtocolError('nonce_malformed', `nonce must be at most ${MAX_NONCE_LENGTH} characters`);
  }
  return nonce;
}

/**
 * Splits a `response_nonce` into timestamp and salt, strictly: the exact
 * format of spec §10.1 (upper-case `T` and `Z`, no offset, no fractional
 * seconds), a real calendar date and time (no February 30, hour 24 or leap
 * second 60), at most 255 characters, salt of ASCII 33-126.
 *
 * @throws ProtocolError `nonce_malformed` otherwise.
 * @example splitNonce('2005-05-15T17:11:51ZUNIQUE') // { timestamp: 1116177111, salt: 'UNIQUE' }
 * @see OpenID 2.0 §10.1
 */
export function splitNonce(nonce: string): NonceParts {
  if (typeof nonce !== 'string' || nonce.length > MAX_NONCE_LENGTH) {
    throw new ProtocolError(
      'nonce_malformed',
      `nonce must be a string of at most ${MAX_NONCE_LENGTH} characters`,
    );
  }
  const m = NONCE_RE.exec(nonce);
  if (m === null) {
    throw new ProtocolError('nonce_malformed', 'nonce does not start with a YYYY-MM-DDTHH:MM:SSZ UTC time');
  }
  // Six fields read in place: slice + map made two arrays per nonce checked (every login).
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new ProtocolError('nonce_malformed', 'nonce timestamp is not a valid date and time');
  }
  const timestamp = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  return { timestamp, salt: m[7] ?? '' };
}

/**
 * Checks that a nonce (or its timestamp, in Unix seconds) lies within
 * `skewSeconds` of `nowSeconds`, both ends inclusive. Only the time: whether
 * the nonce was seen before is the store's job (`useNonce`).
 *
 * @example
 * const r = checkNonceTime(nonce, Math.floor(Date.now() / 1000));
 * if (!r.ok) return fail(r.code, r.message);
 * @see OpenID 2.0 §11.3
 */
export function checkNonceTime(
  nonceOrTimestamp: string | number,
  nowSeconds: number,
  options: NonceTimeOptions = {},
): NonceTimeCheck {
  const skew = options.skewSeconds ?? DEFAULT_NONCE_SKEW;
  if (!Number.isFinite(skew) || skew < 0) {
    throw new OpenIDError('invalid_option', 'skewSeconds must be a non-negative number');
  }
  if (!Number.isFinite(nowSeconds)) {
    throw new OpenIDError('invalid_option', 'nowSeconds must be a finite number');
  }
  let timestamp: number;
  if (typeof nonceOrTimestamp === 'number') {
    if (
      !Number.isSafeInteger(nonceOrTimestamp) ||
      nonceOrTimestamp < MIN_TIMESTAMP ||
      nonceOrTimestamp > MAX_TIMESTAMP
    ) {
      return {
        ok: false,
        code: 'nonce_malformed',
        message: 'nonce timestamp is not a whole number of seconds',
      };
    }
    timestamp = nonceOrTimestamp;
  } else {
    try {
      timestamp = splitNonce(nonceOrTimestamp).timestamp;
    } catch (e) {
      return {
        ok: false,
        code: 'nonce_malformed',
        message: e instanceof Error ? e.message : 'malformed nonce',
      };
    }
  }
  if (timestamp < nowSeconds - skew) {
    return { ok: false, code: 'nonce_skew', message: `nonce is older than ${skew} seconds` };
  }
  if (timestamp > nowSeconds + skew) {
    return { ok: false, code: 'nonce_skew', message: `nonce is more than ${skew} seconds in the future` };
  }
  return { ok: true, timestamp };
}
