/**
 * openid2: OpenID Authentication 2.0 (and 1.1) for TypeScript.
 * This entry re-exports the public API; nothing here has behaviour of its own.
 */

export { Association, type AssociationInit, isValidHandle } from './protocol/association.js';
export * from './protocol/constants.js';
export * from './protocol/errors.js';
