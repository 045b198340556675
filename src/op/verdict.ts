/** The typed verdict of one provider-side rule: ok, or a stable code and a sentence. */
export type Check =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** The passing verdict. */
export const ok: Check = { ok: true };
