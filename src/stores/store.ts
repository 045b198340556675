/**
 * The store contract (DESIGN.md §4): what relying parties and providers keep
 * across logins and share between processes — associations and used nonces.
 */
import type { Association } from '../protocol/association.js';

/**
 * A shared store of associations and used nonces. Every implementation runs
 * the same conformance suite.
 */
export interface OpenIDStore {
  /** Keep an association for `serverUrl` (an OP endpoint, or a provider's own key). */
  storeAssociation(serverUrl: string, association: Association): Promise<void>;
  /** The association with `handle`, or without a handle the newest valid one; never an expired one. */
  getAssociation(serverUrl: string, handle?: string): Promise<Association | null>;
  /**
   * Remove an association; true only for the caller whose call removed it
   * (atomic across processes: what makes check_authentication single-use).
   */
  removeAssociation(serverUrl: string, handle: string): Promise<boolean>;
  /**
   * Record a nonce as used. **Atomic**: true exactly once for a
   * (serverUrl, timestamp, salt), across every process sharing the store;
   * false when seen before. The caller (the relying party) has checked the
   * time window; the store keeps the nonce for its `nonceSkewSeconds` plus
   * an hour past `timestamp`, and never refuses one for its age.
   */
  useNonce(serverUrl: string, timestamp: number, salt: string): Promise<boolean>;
  /** Remove nonces older than the window plus an hour (by the database's clock where there is one); returns how many. */
  cleanupNonces(): Promise<number>;
  /** Remove expired associations; returns how many. */
  cleanupAssociations(): Promise<number>;
  /** Release connections. */
  close?(): Promise<void>;
  /**
   * Optional negative cache (issue 24): keep a short note about an OP
   * endpoint — "this provider refused these association pairs", "this
   * endpoint was unreachable" — until `expiresAt` (Unix seconds), shared by
   * every relying party and worker on this store. `kind` names the note;
   * a later note of the same kind replaces the earlier one. Stores without
   * it still work: the notes are then kept in each process only.
   */
  putEndpointNote?(serverUrl: string, kind: string, value: string, expiresAt: number): Promise<void>;
  /** The unexpired note of `kind` for `serverUrl`, or null. */
  getEndpointNote?(serverUrl: string, kind: string): Promise<string | null>;
}
