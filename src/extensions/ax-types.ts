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
  email: 'http://axschema.org/contact/email',
  fullname: 'http://axschema.org/namePerson',
  firstName: 'http://axschema.org/namePerson/first',
  lastName: 'http://axschema.org/namePerson/last',
  nickname: 'http://axschema.org/namePerson/friendly',
  birthDate: 'http://axschema.org/birthDate',
  gender: 'http://axschema.org/person/gender',
  postalCode: 'http://axschema.org/contact/postalCode/home',
  country: 'http://axschema.org/contact/country/home',
  language: 'http://axschema.org/pref/language',
  timezone: 'http://axschema.org/pref/timezone',
  image: 'http://axschema.org/media/image/default',
  web: 'http://axschema.org/contact/web/default',
} as const;

/** openid.net/schema attribute types (the OpenID attribute types draft; Yahoo and others). */
export const AX_TYPES_OPENID_NET = {
  email: 'http://openid.net/schema/contact/internet/email',
  firstName: 'http://openid.net/schema/namePerson/first',
  lastName: 'http://openid.net/schema/namePerson/last',
  nickname: 'http://openid.net/schema/namePerson/friendly',
  gender: 'http://openid.net/schema/gender',
  language: 'http://openid.net/schema/language/pref',
  timezone: 'http://openid.net/schema/timezone',
} as const;

/** schema.openid.net attribute types (early providers, e.g. MyOpenID). */
export const AX_TYPES_SCHEMA_OPENID_NET = {
  email: 'http://schema.openid.net/contact/email',
  fullname: 'http://schema.openid.net/namePerson',
  firstName: 'http://schema.openid.net/namePerson/first',
  lastName: 'http://schema.openid.net/namePerson/last',
  nickname: 'http://schema.openid.net/namePerson/friendly',
} as const;
