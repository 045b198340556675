/** Namespace URIs, modes and type URIs of OpenID Authentication 2.0 and 1.x. */

/** `openid.ns` of OpenID 2.0 (spec §4.1.2). */
export const OPENID2_NS = 'http://specs.openid.net/auth/2.0';
/** Namespace that stands for OpenID 1.1 messages (a missing `openid.ns`). */
export const OPENID1_NS = 'http://openid.net/signon/1.1';
/** Namespace that stands for OpenID 1.0 messages. */
export const OPENID1_0_NS = 'http://openid.net/signon/1.0';
/** Both 1.x namespaces; a message with either is treated as OpenID 1. */
export const OPENID1_NAMESPACES: readonly string[] = [OPENID1_NS, OPENID1_0_NS];

/** Protocol version of a message, derived from its namespace. */
export type OpenIDVersion = '2.0' | '1.1' | '1.0';

/** `identifier_select` (spec §9.1). */
export const IDENTIFIER_SELECT = 'http://specs.openid.net/auth/2.0/identifier_select';

/** Service type of an OP identifier: the user picks the identity at the provider (spec §7.3.2.1.1). */
export const TYPE_OP_IDENTIFIER = 'http://specs.openid.net/auth/2.0/server';
/** Service type of a claimed identifier, OpenID 2.0 signon (spec §7.3.2.1.2). */
export const TYPE_CLAIMED_IDENTIFIER = 'http://specs.openid.net/auth/2.0/signon';
/** Service type of an OpenID 1.1 signon (spec §14.2.1). */
export const TYPE_OPENID_1_1 = 'http://openid.net/signon/1.1';
/** Service type of an OpenID 1.0 signon. */
export const TYPE_OPENID_1_0 = 'http://openid.net/signon/1.0';
/** Relying-party discovery: the realm's XRDS lists return_to URLs under this type (spec §13). */
export const TYPE_RP_RETURN_TO = 'http://specs.openid.net/auth/2.0/return_to';

/** XML namespace of the XRDS root element (XRI Resolution 2.0). */
export const XRDS_NS = 'xri://$xrds';
/** XML namespace of XRD elements (XRI Resolution 2.0). */
export const XRD_NS = 'xri://$xrd*($v*2.0)';
/** XML namespace of `<openid:Delegate>` in OpenID 1.x XRDS. */
export const OPENID1_XML_NS = 'http://openid.net/xmlns/1.0';

/** Every `openid.mode` value. */
export const MODES = [
  'associate',
  'checkid_setup',
  'checkid_immediate',
  'check_authentication',
  'id_res',
  'cancel',
  'setup_needed',
  'error',
] as const;
/** An `openid.mode` value. */
export type Mode = (typeof MODES)[number];

/** Association types (spec §8.3). */
export type AssociationType = 'HMAC-SHA1' | 'HMAC-SHA256';
/** Association types the library supports, strongest first. */
export const ASSOCIATION_TYPES: readonly AssociationType[] = ['HMAC-SHA256', 'HMAC-SHA1'];
/** Association session types (spec §8.4). */
export type SessionType = 'no-encryption' | 'DH-SHA1' | 'DH-SHA256';
/** Session types the library supports, strongest first. */
export const SESSION_TYPES: readonly SessionType[] = ['DH-SHA256', 'DH-SHA1', 'no-encryption'];

/** Length in bytes of the MAC key of each association type. */
export const MAC_KEY_LENGTH: Readonly<Record<AssociationType, number>> = {
  'HMAC-SHA1': 20,
  'HMAC-SHA256': 32,
};

/** Spec §4.1.1: URLs past this many bytes should travel as a POST form. */
export const MAX_REDIRECT_URL_LENGTH = 2047;

/** Simple Registration namespaces: 1.1, and 1.0 (also the implicit `sreg` alias of OpenID 1 messages). */
export const SREG_1_1_NS = 'http://openid.net/extensions/sreg/1.1';
/** Simple Registration 1.0 namespace. */
export const SREG_1_0_NS = 'http://openid.net/sreg/1.0';

/**
 * Spec §12: an extension alias may not be one of these (nor contain a period).
 */
export const RESERVED_ALIASES: ReadonlySet<string> = new Set([
  'assoc_handle',
  'assoc_type',
  'claimed_id',
  'contact',
  'delegate',
  'dh_consumer_public',
  'dh_gen',
  'dh_modulus',
  'error',
  'error_code',
  'identity',
  'invalidate_handle',
  'mode',
  'ns',
  'op_endpoint',
  'openid',
  'realm',
  'reference',
  'response_nonce',
  'return_to',
  'server',
  'session_type',
  'sig',
  'signed',
  'trust_root',
]);
