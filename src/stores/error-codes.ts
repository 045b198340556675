/**
 * The stable codes of store errors (`StoreError`, and `OpenIDError` from
 * `openStore()` / `openQueue()`). docs/failure-codes.md explains each.
 */

/** Codes of store and queue errors. */
export const STORE_ERROR_CODES = Object.freeze([
  'store_unavailable',
  'store_invalid_input',
  'store_schema_newer',
  'store_import_failed',
  'store_import_unsupported',
  'store_url_invalid',
  'queue_url_invalid',
  'driver_missing',
] as const);
/** A store error code. */
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number];
