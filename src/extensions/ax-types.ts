/**
 * Attribute Exchange namespace and the attribute type URIs providers
 * actually use. Three vocabularies are in the wild for the same data; a
 * relying party that wants an email from any provider asks for all three and
 * reads `response.get([AX_TYPES.email, AX_TYPES_OPENID_NET.email, AX_TYPES_SCHEMA_OPENID_NET.email])`.
 *
 * @see http://openid.net/specs/openid-attribute-exchange-1_0.html §3.2
 */

/** The Attribute Exchange 1.0 namespace (AX §4). */
export const AX_NS = 'http://openid.net/srv/ax/1.0';

/** axschema.org attribute types (the vocabulary Google and most providers use). */
export const AX_TYPES = {
  /** Email address. */
  email: 'http://axschema.org/contact/email',
  /** Full name. */
  fullname: 'http://axschema.org/namePerson',
  /** Given name. */
  firstName: 'http://axschema.org/namePerson/first',
  /** Family name. */
  lastName: 'http://axschema.org/namePerson/last',
  /** Nickname (screen name). */
  nickname: 'http://axschema.org/namePerson/friendly',
  /** Date of birth, YYYY-MM-DD. */
  birthDate: 'http://axschema.org/birthDate',
  /** Gender, `M` or `F`. */
  gender: 'http://axschema.org/person/gender',
  /** Home postal code. */
  postalCode: 'http://axschema.org/contact/postalCode/home',
  /** Home country, ISO 3166-1 alpha-2. */
  country: 'http://axschema.org/contact/country/home',
  /** Preferred language, ISO 639. */
  language: 'http://axschema.org/pref/language',
  /** Time zone, an IANA name. */
  timezone: 'http://axschema.org/pref/timezone',
  /** Image (avatar) URL. */
  image: 'http://axschema.org/media/image/default',
  /** Home page URL. */
  web: 'http://axschema.org/contact/web/default',
} as const;

/** openid.net/schema attribute types (the OpenID attribute types draft; Yahoo and others). */
export const AX_TYPES_OPENID_NET = {
  /** Email address. */
  email: 'http://openid.net/schema/contact/internet/email',
  /** Given name. */
  firstName: 'http://openid.net/schema/namePerson/first',
  /** Family name. */
  lastName: 'http://openid.net/schema/namePerson/last',
  /** Nickname (screen name). */
  nickname: 'http://openid.net/schema/namePerson/friendly',
  /** Gender, `M` or `F`. */
  gender: 'http://openid.net/schema/gender',
  /** Preferred language, ISO 639. */
  language: 'http://openid.net/schema/language/pref',
  /** Time zone, an IANA name. */
  timezone: 'http://openid.net/schema/timezone',
} as const;

/** schema.openid.net attribute types (early providers, e.g. MyOpenID). */
export const AX_TYPES_SCHEMA_OPENID_NET = {
  /** Email address. */
  email: 'http://schema.openid.net/contact/email',
  /** Full name. */
  fullname: 'http://schema.openid.net/namePerson',
  /** Given name. */
  firstName: 'http://schema.openid.net/namePerson/first',
  /** Family name. */
  lastName: 'http://schema.openid.net/namePerson/last',
  /** Nickname (screen name). */
  nickname: 'http://schema.openid.net/namePerson/friendly',
} as const;
