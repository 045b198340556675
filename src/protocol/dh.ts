/**
 * Association session types (spec §8.4): how the MAC key travels in an
 * associate response. `no-encryption` sends it in the clear (only over TLS;
 * that policy belongs to the caller), `DH-SHA1` / `DH-SHA256` hide it under a
 * Diffie-Hellman shared secret:
 *
 *   enc_mac_key = H(btwoc(g ^ (xa * xb) mod p)) XOR mac_key
 *
 * with H = SHA-1 or SHA-256, whose output length the MAC key must have.
 * Arguments and results are the message fields without the `openid.` prefix.
 * Every value from the peer is decoded strictly and range-checked; any
 * failure throws ProtocolError `dh_invalid`.
 */
import { digest } from '../platform/hash.js';
import type { AssociationType, SessionType } from './constants.js';
import { MAC_KEY_LENGTH } from './constants.js';
import { bitLength, DEFAULT_DH_GENERATOR, DEFAULT_DH_MODULUS, type DhGroup, getDhGroup } from './dh-group.js';
import { btwoc, decodeBase64Strict, encodeBase64, longToBase64, unbtwoc } from './encoding.js';
import { OpenIDError, ProtocolError } from './errors.js';

export { DEFAULT_DH_GENERATOR, DEFAULT_DH_MODULUS } from './dh-group.js';

/** Smallest custom modulus accepted without `allowWeakModulus` (security case DH-07). */
export const MIN_DH_MODULUS_BITS = 1024;
/**
 * Largest custom modulus accepted by default. Each new prime costs an OpenSSL
 * primality check (~300 ms at 2048 bits, seconds at 4096), so the bound keeps
 * a stream of fresh moduli from becoming a CPU attack (security case DH-08).
 */
export const DEFAULT_MAX_DH_MODULUS_BITS = 2048;
/** Hard upper bound, whatever the options say. */
const ABSOLUTE_MAX_DH_MODULUS_BITS = 8192;

type DhSessionType = Exclude<SessionType, 'no-encryption'>;

const HASH: Readonly<Record<DhSessionType, { name: 'sha1' | 'sha256'; length: number }>> = {
  'DH-SHA1': { name: 'sha1', length: 20 },
  'DH-SHA256': { name: 'sha256', length: 32 },
};

/** Options for the group and its checks. */
export interface DhGroupOptions {
  /** Custom modulus p; default {@link DEFAULT_DH_MODULUS}. */
  modulus?: bigint;
  /** Custom generator g; default {@link DEFAULT_DH_GENERATOR}. */
  generator?: bigint;
  /** Accept moduli below {@link MIN_DH_MODULUS_BITS} bits. For tests against old peers only. */
  allowWeakModulus?: boolean;
  /** Largest modulus in bits; default {@link DEFAULT_MAX_DH_MODULUS_BITS}, at most 8192. */
  maxModulusBits?: number;
}

/** Options of {@link createConsumerSession}. */
export interface ConsumerSessionOptions extends DhGroupOptions {
  /** Fixed private key, for known-answer tests only: a real session uses a fresh random one. */
  privateKey?: bigint;
}

/** The relying party's half of an association session. */
export interface ConsumerSession {
  /** The session type this half was made for. */
  readonly sessionType: SessionType;
  /**
   * Fields to add to the associate request: `dh_consumer_public`, plus
   * `dh_modulus` and `dh_gen` when the group is not the default one.
   * Empty for `no-encryption`.
   */
  requestArgs(): Record<string, string>;
  /**
   * The MAC key from the associate response fields (`dh_server_public` and
   * `enc_mac_key`, or `mac_key` for `no-encryption`), checked to have the
   * length `assocType` needs.
   *
   * @throws ProtocolError `dh_invalid`.
   */
  extractMacKey(
    responseArgs: Readonly<Record<string, string | undefined>>,
    assocType: AssociationType,
  ): Uint8Array;
}

/** Options of {@link answerDiffieHellman}. */
export interface AnswerDiffieHellmanOptions {
  /** Accept `dh_modulus` / `dh_gen` from the request (within bounds). Default true. */
  allowCustomModulus?: boolean;
  /** Accept custom moduli below {@link MIN_DH_MODULUS_BITS} bits. Default false. */
  allowWeakModulus?: boolean;
  /** Largest custom modulus in bits; default {@link DEFAULT_MAX_DH_MODULUS_BITS}, at most 8192. */
  maxModulusBits?: number;
  /** Fixed private key, for known-answer tests only: a real answer uses a fresh random one (case DH-12). */
  privateKey?: bigint;
}

function invalid(message: string, options: { cause?: unknown } = {}): ProtocolError {
  return new ProtocolError('dh_invalid', message, {}, options);
}

function assertSessionType(sessionType: SessionType): void {
  if (sessionType !== 'no-encryption' && sessionType !== 'DH-SHA1' && sessionType !== 'DH-SHA256') {
    throw new ProtocolError('unsupported_session_type', `unknown session type ${String(sessionType)}`, {
      errorCode: 'unsupported-type',
    });
  }
}

/**
 * Reads a base64(btwoc) field, strictly. `maxBytes` refuses an oversized
 * value before it becomes a bigint (a sign byte beyond the modulus length is
 * the most a valid value needs).
 */
function readLong(
  args: Readonly<Record<string, string | undefined>>,
  field: string,
  maxBytes: number,
): bigint {
  const text = args[field];
  if (typeof text !== 'string') throw invalid(`missing ${field}`);
  let bytes: Uint8Array;
  try {
    bytes = decodeBase64Strict(text);
  } catch (cause) {
    throw invalid(`${field} is not canonical base64`, { cause });
  }
  if (bytes.length === 0) throw invalid(`${field} is empty`);
  // Redundant sign bytes (0x00 before a byte below 0x80) do not change the value: drop them
  // before the size check, so such values are tolerated whatever the number (case KV-07).
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && (bytes[start + 1] as number) < 0x80) start++;
  bytes = bytes.subarray(start);
  if (bytes.length > maxBytes) throw invalid(`${field} is longer than ${maxBytes} bytes`);
  return unbtwoc(bytes);
}

/** Longest btwoc encoding of a value below `modulus`. */
const maxBytesBelow = (modulus: bigint): number => Math.ceil(bitLength(modulus) / 8) + 1;

function readBytes(args: Readonly<Record<string, string | undefined>>, field: string): Uint8Array {
  const text = args[field];
  if (typeof text !== 'string') throw invalid(`missing ${field}`);
  try {
    return decodeBase64Strict(text);
  } catch (cause) {
    throw invalid(`${field} is not canonical base64`, { cause });
  }
}

/** Checks a (possibly peer-chosen) group and returns it; spec §8.1.2, security cases DH-07..09. */
function resolveGroup(modulus: bigint, generator: bigint, options: DhGroupOptions): DhGroup {
  if (modulus === DEFAULT_DH_MODULUS && generator === DEFAULT_DH_GENERATOR) {
    return getDhGroup(modulus, generator);
  }
  const max = options.maxModulusBits ?? DEFAULT_MAX_DH_MODULUS_BITS;
  if (!Number.isSafeInteger(max) || max < 1 || max > ABSOLUTE_MAX_DH_MODULUS_BITS) {
    throw new OpenIDError('invalid_option', `maxModulusBits must be 1..${ABSOLUTE_MAX_DH_MODULUS_BITS}`);
  }
  // p > 5 keeps [2, p-2] a real range; evenness rules out every composite that cheap.
  if (modulus <= 5n || modulus % 2n === 0n) throw invalid('the DH modulus must be an odd prime');
  const bits = bitLength(modulus);
  if (bits > max) throw invalid(`the DH modulus has ${bits} bits, more than ${max}`);
  if (bits < MIN_DH_MODULUS_BITS && options.allowWeakModulus !== true) {
    throw invalid(`the DH modulus has ${bits} bits, fewer than ${MIN_DH_MODULUS_BITS}`);
  }
  if (generator < 2n || generator > modulus - 2n) throw invalid('the DH generator must be in [2, p-2]');
  return getDhGroup(modulus, generator);
}

function xor(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i += 1) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

function hashOfSecret(sessionType: DhSessionType, shared: bigint): Uint8Array {
  return digest(HASH[sessionType].name, btwoc(shared));
}

function checkKeyLength(sessionType: SessionType, assocType: AssociationType, length: number): void {
  const need = MAC_KEY_LENGTH[assocType];
  if (need === undefined) throw invalid(`unknown association type ${String(assocType)}`);
  if (sessionType !== 'no-encryption' && HASH[sessionType].length !== need) {
    throw invalid(`session type ${sessionType} cannot carry an ${assocType} key`);
  }
  if (length !== need) throw invalid(`${assocType} needs a ${need}-byte MAC key, got ${length}`);
}

function checkPrivateKey(group: DhGroup, privateKey: bigint): bigint {
  if (privateKey < 2n || privateKey > group.modulus - 2n)
    throw invalid('the DH private key must be in [2, p-2]');
  return privateKey;
}

/**
 * Starts the relying party's side of an association session.
 *
 * @example
 * const session = createConsumerSession('DH-SHA256');
 * const args = { mode: 'associate', assoc_type: 'HMAC-SHA256', session_type: 'DH-SHA256', ...session.requestArgs() };
 * // ... POST, parse the key-value response into `fields` ...
 * const macKey = session.extractMacKey(fields, 'HMAC-SHA256');
 * @see OpenID 2.0 §8.4
 */
export function createConsumerSession(
  sessionType: SessionType,
  options: ConsumerSessionOptions = {},
): ConsumerSession {
  assertSessionType(sessionType);
  if (sessionType === 'no-encryption') {
    return {
      sessionType,
      requestArgs: () => ({}),
      extractMacKey(responseArgs, assocType) {
        const key = readBytes(responseArgs, 'mac_key');
        checkKeyLength(sessionType, assocType, key.length);
        return key;
      },
    };
  }
  const modulus = options.modulus ?? DEFAULT_DH_MODULUS;
  const generator = options.generator ?? DEFAULT_DH_GENERATOR;
  const group = resolveGroup(modulus, generator, options);
  const privateKey =
    options.privateKey === undefined ? group.randomPrivateKey() : checkPrivateKey(group, options.privateKey);
  const isDefault = modulus === DEFAULT_DH_MODULUS && generator === DEFAULT_DH_GENERATOR;
  let publicKey: bigint | undefined;
  return {
    sessionType,
    requestArgs() {
      publicKey ??= group.publicKey(privateKey);
      const args: Record<string, string> = { dh_consumer_public: longToBase64(publicKey) };
      if (!isDefault) {
        args['dh_modulus'] = longToBase64(modulus);
        args['dh_gen'] = longToBase64(generator);
      }
      return args;
    },
    extractMacKey(responseArgs, assocType) {
      const serverPublic = readLong(responseArgs, 'dh_server_public', maxBytesBelow(group.modulus));
      if (!group.isValidPublic(serverPublic)) throw invalid('dh_server_public is outside [2, p-2]');
      const encrypted = readBytes(responseArgs, 'enc_mac_key');
      checkKeyLength(sessionType, assocType, encrypted.length);
      return xor(hashOfSecret(sessionType, group.sharedSecret(privateKey, serverPublic)), encrypted);
    },
  };
}

/**
 * Interop with relying parties that hash the shared secret as their crypto
 * library hands it over, zero-padded to the modulus length, where §8.4.2
 * hashes btwoc(secret), its minimal form: node-openid (behind passport-openid
 * and passport-steam) does, through Node's `computeSecret`. The two forms
 * differ only when the secret's top byte is zero, about 1 association in 440
 * on the default group, and such an association then fails every login it
 * signs ("Invalid signature"). The provider is free to pick its private key,
 * so it draws again when the secret would be that short: every relying
 * party, padded or not, then derives the same key. It costs one more DH in
 * about 220, and narrows the secret's range by under 0.5% (under 0.01 bits).
 * The draws are bounded: with a custom group whose subgroups are small the
 * last draw is taken as it is, as the spec allows.
 */
const PADDING_SAFE_TRIES = 16;

/** Whether `shared` takes as many bytes as the modulus (its top byte is not zero). */
export function fillsModulusLength(shared: bigint, modulus: bigint): boolean {
  return shared >= 1n << BigInt(8 * (Math.ceil(bitLength(modulus) / 8) - 1));
}

/**
 * The provider's side: answers an associate request's session fields for
 * `macKey`. For `no-encryption` that is `{ mac_key }` (allow it only over
 * TLS); for DH it checks `dh_consumer_public` (and a custom `dh_modulus` /
 * `dh_gen`, which must come together) and returns `dh_server_public` and
 * `enc_mac_key`, with a fresh private key each time (drawn again while the
 * shared secret's top byte is zero, for relying parties that hash it padded:
 * see `fillsModulusLength` in this module).
 *
 * @throws ProtocolError `dh_invalid` for a missing, non-canonical or
 *   out-of-range value, a refused modulus or generator, or a MAC key whose
 *   length is not the hash length.
 * @example
 * const fields = answerDiffieHellman('DH-SHA256', request, macKey);
 * // { dh_server_public: '...', enc_mac_key: '...' }
 * @see OpenID 2.0 §8.4.2
 */
export function answerDiffieHellman(
  sessionType: SessionType,
  requestArgs: Readonly<Record<string, string | undefined>>,
  macKey: Uint8Array,
  options: AnswerDiffieHellmanOptions = {},
): Record<string, string> {
  assertSessionType(sessionType);
  if (sessionType === 'no-encryption') {
    if (macKey.length !== 20 && macKey.length !== 32) throw invalid('a MAC key is 20 or 32 bytes');
    return { mac_key: encodeBase64(macKey) };
  }
  if (macKey.length !== HASH[sessionType].length) {
    throw invalid(`${sessionType} needs a ${HASH[sessionType].length}-byte MAC key, got ${macKey.length}`);
  }
  const group = requestedDhGroup(requestArgs, options);
  const consumerPublic = requestedDhPublic(requestArgs, group);
  let privateKey: bigint;
  let shared: bigint;
  if (options.privateKey !== undefined) {
    privateKey = checkPrivateKey(group, options.privateKey);
    shared = group.sharedSecret(privateKey, consumerPublic);
  } else {
    let tries = 0;
    do {
      privateKey = group.randomPrivateKey();
      shared = group.sharedSecret(privateKey, consumerPublic);
    } while (!fillsModulusLength(shared, group.modulus) && ++tries < PADDING_SAFE_TRIES);
  }
  return {
    dh_server_public: longToBase64(group.publicKey(privateKey)),
    enc_mac_key: encodeBase64(xor(hashOfSecret(sessionType, shared), macKey)),
  };
}

/**
 * The group an associate request asks for (spec §8.1.2): the default one, or
 * `dh_modulus` / `dh_gen` sent together, accepted only when
 * `allowCustomModulus` is not false and within the modulus bounds (security
 * cases DH-07..09). The provider's associate pipeline checks this before it
 * creates an association.
 *
 * @throws ProtocolError `dh_invalid`.
 * @see OpenID 2.0 §8.1.2
 */
export function requestedDhGroup(
  requestArgs: Readonly<Record<string, string | undefined>>,
  options: AnswerDiffieHellmanOptions = {},
): DhGroup {
  const hasModulus = requestArgs['dh_modulus'] !== undefined;
  const hasGenerator = requestArgs['dh_gen'] !== undefined;
  if (hasModulus !== hasGenerator) throw invalid('dh_modulus and dh_gen must be sent together');
  if (!hasModulus) return getDhGroup(DEFAULT_DH_MODULUS, DEFAULT_DH_GENERATOR);
  const modulus = readLong(requestArgs, 'dh_modulus', ABSOLUTE_MAX_DH_MODULUS_BITS / 8 + 1);
  const generator = readLong(requestArgs, 'dh_gen', maxBytesBelow(modulus));
  const isDefault = modulus === DEFAULT_DH_MODULUS && generator === DEFAULT_DH_GENERATOR;
  if (!isDefault && options.allowCustomModulus === false) throw invalid('custom DH groups are not accepted');
  const groupOptions: DhGroupOptions = {};
  if (options.allowWeakModulus !== undefined) groupOptions.allowWeakModulus = options.allowWeakModulus;
  if (options.maxModulusBits !== undefined) groupOptions.maxModulusBits = options.maxModulusBits;
  return resolveGroup(modulus, generator, groupOptions);
}

/**
 * The relying party's public key `dh_consumer_public`, strictly decoded and
 * in [2, p-2] for `group` (security case DH-01).
 *
 * @throws ProtocolError `dh_invalid`.
 * @see OpenID 2.0 §8.1.2
 */
export function requestedDhPublic(
  requestArgs: Readonly<Record<string, string | undefined>>,
  group: DhGroup,
): bigint {
  const consumerPublic = readLong(requestArgs, 'dh_consumer_public', maxBytesBelow(group.modulus));
  if (!group.isValidPublic(consumerPublic)) throw invalid('dh_consumer_public is outside [2, p-2]');
  return consumerPublic;
}
