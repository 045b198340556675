/**
 * openid2: OpenID Authentication 2.0 (and 1.1) for TypeScript.
 * This entry re-exports the public API; nothing here has behaviour of its own.
 */

export { addExtensionToMessage, type Extension } from './extensions/extension.js';
export { Association, type AssociationInit, isValidHandle } from './protocol/association.js';
export * from './protocol/constants.js';
export * from './protocol/errors.js';
export * as kvform from './protocol/kvform.js';
export {
  type ArgsInput,
  BARE_NS,
  escapeHtml,
  type FormHtmlOptions,
  isValidAlias,
  Message,
  type MessageLimits,
  type NamespaceRef,
  OPENID_NS,
} from './protocol/message.js';
export {
  computeMac,
  parseSignedList,
  type SignatureCheck,
  type SigningKey,
  type SignOptions,
  signedSubset,
  signedText,
  signMessage,
  verifyMessageSignature,
} from './protocol/signature.js';
