/**
 * `openid2/steam`: "Sign in through Steam" — the relying party preset
 * ({@link steamLogin}) and the Steam Web API profile.
 *
 * @example
 * import { steamLogin, steamIdOf } from 'openid2/steam';
 */
export * from './preset.js';
export * from './web-api.js';
