/**
 * Associations (spec §8): a shared MAC secret between a relying party and a
 * provider, named by a handle. This module holds the value, its expiry and
 * its store serialization; signing lives in `signature.ts`.
 */
import { bytesEqual, fromBase64, toBase64 } from '../platform/bytes.js';
import { type AssociationType, MAC_KEY_LENGTH } from './constants.js';
import { ProtocolError } from './errors.js';
import { hideProperty, INSPECT_CUSTOM, inspectRedacted, REDACTED } from './redact.js';

/** Spec §8.2.1 / §10.1: a handle is 1..255 printable ASCII characters (33-126). */
const HANDLE_RE = /^[\x21-\x7e]{1,255}$/;

/** Whether `handle` is a syntactically valid association handle. */
export function isValidHandle(handle: string): boolean {
  return HANDLE_RE.test(handle);
}

/** The fields of an association, as stored. */
export interface AssociationInit {
  /** The association handle (spec §8.2.1: 1-255 printable ASCII characters). */
  handle: string;
  /** The MAC key. */
  secret: Uint8Array;
  /** When it was issued, in Unix seconds. */
  issued: number;
  /** How long it lives after `issued`, in seconds. */
  lifetime: number;
  /** HMAC-SHA1 or HMAC-SHA256. */
  assocType: AssociationType;
}

/**
 * An association: immutable value. `expiresAt` is `issued + lifetime` (Unix
 * seconds). Time is passed in, never read here.
 *
 * @example
 * const a = new Association({ handle: 'h1', secret, issued: now, lifetime: 3600, assocType: 'HMAC-SHA256' });
 * a.isExpired(now + 4000); // true
 */
export class Association {
  /** The association handle. */
  readonly handle: string;
  /** The MAC key. */
  readonly secret: Uint8Array;
  /** When it was issued, in Unix seconds. */
  readonly issued: number;
  /** How long it lives after `issued`, in seconds. */
  readonly lifetime: number;
  /** HMAC-SHA1 or HMAC-SHA256. */
  readonly assocType: AssociationType;

  constructor(init: AssociationInit) {
    if (!isValidHandle(init.handle)) {
      throw new ProtocolError(
        'assoc_handle_invalid',
        'association handle must be 1-255 printable ASCII characters',
      );
    }
    if (init.assocType !== 'HMAC-SHA1' && init.assocType !== 'HMAC-SHA256') {
      throw new ProtocolError('assoc_type_invalid', `unknown association type ${String(init.assocType)}`);
    }
    if (init.secret.length !== MAC_KEY_LENGTH[init.assocType]) {
      throw new ProtocolError(
        'assoc_secret_invalid',
        `${init.assocType} needs a ${MAC_KEY_LENGTH[init.assocType]}-byte secret, got ${init.secret.length}`,
      );
    }
    if (!Number.isSafeInteger(init.issued) || !Number.isSafeInteger(init.lifetime) || init.lifetime < 0) {
      throw new ProtocolError(
        'assoc_time_invalid',
        'issued and lifetime must be whole seconds, lifetime >= 0',
      );
    }
    this.handle = init.handle;
    this.secret = Uint8Array.from(init.secret);
    // The MAC key stays a property (signing and stores read it) but never prints (issue 27, class 5).
    hideProperty(this, 'secret');
    this.issued = init.issued;
    this.lifetime = init.lifetime;
    this.assocType = init.assocType;
  }

  /** What `JSON.stringify` writes: everything but the MAC key. Use {@link serialize} to store one. */
  toJSON(): Record<string, unknown> {
    return {
      handle: this.handle,
      assocType: this.assocType,
      issued: this.issued,
      lifetime: this.lifetime,
      secret: REDACTED,
    };
  }

  /** What `util.inspect` / `console.log` show: the {@link toJSON} view. */
  [INSPECT_CUSTOM](_depth: number, options: unknown, inspect?: (v: unknown, o: unknown) => string): string {
    return inspectRedacted('Association', this.toJSON(), options, inspect);
  }

  /** Unix seconds at which the association stops being valid. */
  get expiresAt(): number {
    return this.issued + this.lifetime;
  }

  /** Seconds left at `now` (Unix seconds); never negative. */
  expiresIn(now: number): number {
    return Math.max(0, this.expiresAt - now);
  }

  /** Whether the association is expired at `now` (Unix seconds). */
  isExpired(now: number): boolean {
    return now >= this.expiresAt;
  }

  /**
   * Serialize for a store: a single line of JSON with the secret in base64.
   * `Association.deserialize(a.serialize())` gives an equal association.
   */
  serialize(): string {
    return JSON.stringify({
      v: 2,
      handle: this.handle,
      secret: toBase64(this.secret),
      issued: this.issued,
      lifetime: this.lifetime,
      assocType: this.assocType,
    });
  }

  /** Parse what `serialize()` wrote; throws `ProtocolError` on anything else. */
  static deserialize(text: string): Association {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (cause) {
      throw new ProtocolError(
        'assoc_serialization_invalid',
        'association data is not valid JSON',
        {},
        { cause },
      );
    }
    if (typeof data !== 'object' || data === null) {
      throw new ProtocolError('assoc_serialization_invalid', 'association data is not an object');
    }
    const d = data as Record<string, unknown>;
    if (
      d['v'] !== 2 ||
      typeof d['handle'] !== 'string' ||
      typeof d['secret'] !== 'string' ||
      typeof d['issued'] !== 'number' ||
      typeof d['lifetime'] !== 'number' ||
      (d['assocType'] !== 'HMAC-SHA1' && d['assocType'] !== 'HMAC-SHA256')
    ) {
      throw new ProtocolError(
        'assoc_serialization_invalid',
        'association data has missing or mistyped fields',
      );
    }
    return new Association({
      handle: d['handle'],
      secret: fromBase64(d['secret']),
      issued: d['issued'],
      lifetime: d['lifetime'],
      assocType: d['assocType'],
    });
  }

  /** Same handle, type, secret and times. */
  equals(other: Association): boolean {
    return (
      this.handle === other.handle &&
      this.assocType === other.assocType &&
      this.issued === other.issued &&
      this.lifetime === other.lifetime &&
      bytesEqual(this.secret, other.secret)
    );
  }
}
