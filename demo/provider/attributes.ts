/**
 * The account details a site may ask for (SReg and AX), each with a human
 * label and the value that would be shared, and the positive answer carrying
 * only those the user agreed to share.
 */
import {
  AX_TYPES,
  AXFetchRequest,
  AXFetchResponse,
  type CheckIDRequest,
  type OPResponse,
  SRegRequest,
  SRegResponse,
} from 'openid2';
import type { DemoAccount } from '../accounts.js';

/** The account details a site may ask for, in the order shown. */
export const ATTRIBUTE_KEYS = ['nickname', 'fullname', 'email'] as const;
export type AttributeKey = (typeof ATTRIBUTE_KEYS)[number];

const LABELS: Record<AttributeKey, string> = {
  nickname: 'Nickname',
  fullname: 'Full name',
  email: 'Email address',
};

const AX_URIS: Record<AttributeKey, string> = {
  nickname: AX_TYPES.nickname,
  email: AX_TYPES.email,
  fullname: AX_TYPES.fullname,
};

/** One attribute on the consent page. */
export interface AskedAttribute {
  key: AttributeKey;
  label: string;
  required: boolean;
  value: string;
}

/** The attributes a request asks for, once each (SReg and AX merged), whether required, and the value. */
export function askedAttributes(request: CheckIDRequest, user: DemoAccount): AskedAttribute[] {
  const sreg = SRegRequest.fromCheckIdRequest(request);
  const ax = request.message.isOpenID2() ? AXFetchRequest.fromCheckIdRequest(request) : null;
  const asked = new Map<AttributeKey, boolean>();
  const note = (k: AttributeKey | undefined, required: boolean) => {
    if (k) asked.set(k, (asked.get(k) ?? false) || required);
  };
  for (const f of sreg?.requested ?? [])
    note(
      ATTRIBUTE_KEYS.find((k) => k === f),
      sreg?.required.includes(f) ?? false,
    );
  for (const a of ax?.attributes ?? [])
    note(
      ATTRIBUTE_KEYS.find((k) => AX_URIS[k] === a.typeUri),
      a.required,
    );
  return [...asked].map(([key, required]) => ({ key, label: LABELS[key], required, value: user[key] }));
}

/**
 * A positive answer for `identity`, with the attributes asked for that the user agreed
 * to share (`shared`: attribute keys; all of them for a remembered site).
 */
export function positiveAnswer(
  request: CheckIDRequest,
  user: DemoAccount,
  identity: string,
  shared: ReadonlySet<AttributeKey> = new Set(ATTRIBUTE_KEYS),
): OPResponse {
  const response = request.allow({ identity });
  const values = (names: Record<AttributeKey, string>) =>
    Object.fromEntries(ATTRIBUTE_KEYS.filter((k) => shared.has(k)).map((k) => [names[k], user[k]]));
  const sreg = SRegRequest.fromCheckIdRequest(request);
  if (sreg)
    response.addExtension(
      SRegResponse.extractResponse(
        sreg,
        values({ nickname: 'nickname', email: 'email', fullname: 'fullname' }),
      ),
    );
  const ax = request.message.isOpenID2() ? AXFetchRequest.fromCheckIdRequest(request) : null;
  if (ax) response.addExtension(AXFetchResponse.extractResponse(ax, values(AX_URIS)));
  return response;
}
