/**
 * What the app passes when it answers a checkid request:
 * `CheckIDRequest.allow(options)` and `CheckIDRequest.deny(options)`.
 */

/** Options of `CheckIDRequest.allow()`: who the user proved to be, and for which endpoint. */
export interface AllowOptions {
  /** The identifier the user proved (required for identifier_select requests). */
  identity?: string;
  /** The claimed identifier; defaults to `identity` for identifier_select, to the request's otherwise. */
  claimedId?: string;
  /**
   * Answer for an identifier other than the one the request names: the user
   * chose another of their identifiers at the provider. Off by default, so an
   * app that passes "whoever is signed in" cannot pair the requested
   * claimed_id with someone else's identity (OPR-06). The spec lets a relying
   * party accept such an answer after discovering the new claimed id (§11.2).
   */
  switchIdentifier?: boolean;
  /**
   * The `openid.op_endpoint` to assert (python-openid's `server_url`), when
   * this answer speaks for another endpoint URL of the same provider than
   * the Provider's `endpoint` (one provider reached under two host names).
   * It must be an endpoint discovery of the claimed id finds, or relying
   * parties refuse the assertion.
   */
  opEndpoint?: string;
}

/** Options of `CheckIDRequest.deny()`. */
export interface DenyOptions {
  /** OpenID 1 immediate mode: where the user can log in (`user_setup_url`). */
  setupUrl?: string;
  /** The endpoint the default OpenID 1 `user_setup_url` points at (see {@link AllowOptions.opEndpoint}). */
  opEndpoint?: string;
}

/** Options of the deprecated `CheckIDRequest.answer()`: those of `allow()` and `deny()` together. */
export interface AnswerOptions extends AllowOptions, DenyOptions {}
