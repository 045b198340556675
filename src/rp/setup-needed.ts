/**
 * Where the setup-needed rules lived before the §11 pipeline moved to
 * `rules/`: kept so imports of this path still resolve.
 */
export { checkSetupNeeded, checkSetupUrlOrigin } from './rules/setup-needed.js';
