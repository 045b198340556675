/**
 * The rule's old home, kept so imports of it keep working: the rule lives
 * with the other return_to rules in rules/return-to.ts.
 */
export { checkReturnToHasNoOpenIDArgs, openIdArgsIn } from './rules/return-to.js';
