/**
 * The provider's signing (spec §10.1, §11.4.2): shared associations for
 * relying parties that associated, private ones for stateless relying
 * parties, kept apart in the store so check_authentication can never be
 * asked to vouch for a shared-association signature, and each private
 * association checked once only (replay).
 */
import { Association } from '../protocol/association.js';
import { type AssociationType, MAC_KEY_LENGTH } from '../protocol/constants.js';
import { AlreadySignedError } from '../protocol/errors.js';
import { Message, OPENID_NS } from '../protocol/message.js';
import { randomBytesPooled } from '../protocol/random.js';
import { signMessage } from '../protocol/signature.js';
import type { OpenIDStore } from '../stores/store.js';
import type { OPResponse } from './response.js';
import {
  assertionHandle,
  type CheckAuthVerdict,
  firstUse,
  handleToInvalidate,
  privateAssociationFound,
  signatureVerifies,
} from './rules/check-auth.js';

export interface SignatoryOptions {
  store: OpenIDStore;
  /** The provider's endpoint: the store key of its associations. */
  endpoint: string;
  now: () => number;
  sharedLifetime: number;
  privateLifetime: number;
}

export class Signatory {
  readonly #o: SignatoryOptions;
  readonly #sharedKey: string;
  readonly #privateKey: string;

  constructor(options: SignatoryOptions) {
    this.#o = options;
    this.#sharedKey = `${options.endpoint}#shared`;
    this.#privateKey = `${options.endpoint}#private`;
  }

  /** A new association, stored as shared (for an associate request) or private. */
  async createAssociation(kind: 'shared' | 'private', assocType: AssociationType): Promise<Association> {
    const now = this.#o.now();
    const a = new Association({
      handle: `{${assocType}}{${now.toString(16)}}{${randomBytesPooled(9).toString('base64url')}}`,
      secret: randomBytesPooled(MAC_KEY_LENGTH[assocType]),
      issued: now,
      lifetime: kind === 'shared' ? this.#o.sharedLifetime : this.#o.privateLifetime,
      assocType,
    });
    await this.#o.store.storeAssociation(kind === 'shared' ? this.#sharedKey : this.#privateKey, a);
    return a;
  }

  /**
   * Sign a positive assertion: with the relying party's shared association
   * when it names a valid one, else with a fresh private one (and
   * `invalidate_handle` telling the RP its handle is gone). Every `openid.`
   * field is signed (security case SL-09).
   */
  async sign(response: OPResponse): Promise<void> {
    if (response.signed) throw new AlreadySignedError();
    const m = response.fields;
    let assoc: Association | null = null;
    if (response.assocHandle) {
      assoc = await this.#o.store.getAssociation(this.#sharedKey, response.assocHandle);
      if (!assoc) m.set(OPENID_NS, 'invalidate_handle', response.assocHandle);
    }
    assoc ??= await this.createAssociation('private', m.isOpenID2() ? 'HMAC-SHA256' : 'HMAC-SHA1');
    signMessage(m, assoc);
    response.signed = true;
  }

  /**
   * Answer check_authentication (spec §11.4.2): the rules of
   * rules/check-auth.ts in order. Single use by construction (§11.4.2.1):
   * the answer is `is_valid:true` only for the caller whose removal of the
   * association actually removed it (a delete count, `HDEL`, `unlink`), so
   * of any number of concurrent requests for one assertion, from any number
   * of processes sharing the store, exactly one is confirmed. A request
   * whose signature does not verify removes nothing: a forged request that
   * names a genuine handle cannot burn the genuine login.
   */
  async checkAuthentication(request: Message): Promise<Message> {
    const answer = Message.create(request.version);
    const verdict = await this.#confirm(request);
    answer.set(OPENID_NS, 'is_valid', verdict.ok ? 'true' : 'false');
    const requested = request.get(OPENID_NS, 'invalidate_handle');
    const live = requested
      ? (await this.#o.store.getAssociation(this.#sharedKey, requested)) !== null
      : false;
    const invalidate = handleToInvalidate(requested, live);
    if (invalidate !== null) answer.set(OPENID_NS, 'invalidate_handle', invalidate);
    return answer;
  }

  /** Whether to confirm the assertion, and if not which rule refused. */
  async #confirm(request: Message): Promise<CheckAuthVerdict> {
    const handle = assertionHandle(request);
    if (!handle.ok) return handle;
    const found = privateAssociationFound(
      handle.value,
      await this.#o.store.getAssociation(this.#privateKey, handle.value),
    );
    if (!found.ok) return found;
    const signature = signatureVerifies(request, found.value);
    if (!signature.ok) return signature;
    return firstUse(await this.#o.store.removeAssociation(this.#privateKey, handle.value));
  }
}
