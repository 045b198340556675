/**
 * Cases of docs/security-cases.md that no test covers, each with the
 * reason. test/security/catalogue.test.ts accepts an ID without a test only
 * when it is listed here (or, until their branch merges, in
 * `PENDING_ELSEWHERE`). A reason says why the library cannot or need not
 * test it; "not done yet" is not a reason.
 */
export const NOT_APPLICABLE: Readonly<Record<string, string>> = {
  'SE-03':
    'the library keeps no login session: rotating the session id on login is the application’s (the demo RP creates no session)',
  'RT-13':
    'the library has no post-login redirect; a `next` target is the application’s to restrict (RT-07 already refuses unknown parameters)',
};

/**
 * IDs whose tests live on a branch not merged yet. Empty: every category is
 * checked in full.
 */
export const PENDING_ELSEWHERE: readonly string[] = [];
