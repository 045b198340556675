/** What a provider answers: fields to encode, directly (key-value form) or through the browser. */
import { addExtensionToMessage, type Extension } from '../extensions/extension.js';
import type { Message } from '../protocol/message.js';

/** A provider's answer before encoding: from `CheckIDRequest.allow()` / `deny()` or `Provider.handleRequest()`; `Provider.encodeResponse()` signs and encodes it. */
export class OPResponse {
  /** The fields of the answer. */
  readonly fields: Message;
  /** `direct`: key-value form to the relying party; `indirect`: via the user's browser to `returnTo`. */
  readonly kind: 'direct' | 'indirect';
  /** HTTP status of a direct answer (400 for errors). */
  readonly status: number;
  /** Where an indirect answer goes. */
  readonly returnTo: string | null;
  /** Positive assertions are signed when encoded (so extensions added after allow() are signed too). */
  readonly needsSigning: boolean;
  /** The RP's association handle, for choosing the signing association. */
  readonly assocHandle: string | null;
  /** Set once signed; a second signature is refused. */
  signed = false;

  constructor(init: {
    fields: Message;
    kind: 'direct' | 'indirect';
    status?: number;
    returnTo?: string | null;
    needsSigning?: boolean;
    assocHandle?: string | null;
  }) {
    this.fields = init.fields;
    this.kind = init.kind;
    this.status = init.status ?? 200;
    this.returnTo = init.returnTo ?? null;
    this.needsSigning = init.needsSigning ?? false;
    this.assocHandle = init.assocHandle ?? null;
  }

  /** Add an extension response (SReg, AX, PAPE, …); it is signed with the rest. */
  addExtension(extension: Extension): this {
    addExtensionToMessage(this.fields, extension);
    return this;
  }
}
