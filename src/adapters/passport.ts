/**
 * Passport strategies: {@link OpenIDStrategy}, a drop-in for
 * `passport-openid` (passport-openid.ts), and {@link SteamStrategy}, a
 * drop-in for `passport-steam` (passport-steam.ts). Passport is an optional
 * peer dependency: nothing of it is imported (Passport only needs an object
 * with `name` and `authenticate`).
 *
 * @module openid2/passport
 */

/**
 * passport-openid's name for the strategy, so `require('openid2/passport').Strategy`
 * drops in where `require('passport-openid').Strategy` was.
 */
export {
  type ExpressLikeRequest,
  type ExpressLikeResponse,
  type OpenIDPape,
  type OpenIDProfile,
  OpenIDStrategy,
  OpenIDStrategy as Strategy,
  type OpenIDStrategyOptions,
  type OpenIDVerify,
  type OpenIDVerifyWithRequest,
  type VerifyDone,
} from './passport-openid.js';
export {
  type SteamIdProfile,
  SteamStrategy,
  type SteamStrategyOptions,
  type SteamVerify,
} from './passport-steam.js';
