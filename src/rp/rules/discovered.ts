/**
 * Spec §11.2, the comparison itself: what the assertion says (op_endpoint,
 * claimed_id, identity) against one endpoint discovery found. Pure; which
 * endpoints to compare against, and the discovery, are endpoint.ts's.
 *
 * @see OpenID 2.0 §11.2
 */
import { endpointLocalId, type ServiceEndpoint } from '../../discovery/endpoints.js';
import { type Message, OPENID_NS } from '../../protocol/message.js';
import { sameUri, stripFragment } from '../../protocol/urinorm.js';
import { type Check, refuse as fail, PASS } from './verdict.js';

/**
 * OpenID 2.0: the assertion's op_endpoint, claimed_id (fragment aside) and
 * identity agree with `endpoint`, compared as URIs. An assertion without
 * claimed_id (extension-only) is judged on op_endpoint alone.
 */
export function checkDiscoveredEndpoint(message: Message, endpoint: ServiceEndpoint): Check {
  if (endpoint.version !== '2.0')
    return fail('discovery_mismatch', 'the endpoint is not an OpenID 2.0 endpoint');
  if (!sameUri(message.get(OPENID_NS, 'op_endpoint'), endpoint.opEndpoint)) {
    return fail('discovery_mismatch', 'op_endpoint differs from the endpoint discovered for the claimed id');
  }
  const claimed = message.get(OPENID_NS, 'claimed_id');
  if (claimed === undefined) return PASS;
  if (endpoint.isOpIdentifier || endpoint.claimedId === null) {
    return fail('op_identifier_as_claimed_id', 'the claimed id resolved to an OP identifier, not a user');
  }
  if (!sameUri(stripFragment(claimed), endpoint.claimedId)) {
    return fail('discovery_mismatch', 'claimed_id differs from the discovered claimed identifier');
  }
  if (!sameUri(message.get(OPENID_NS, 'identity'), endpointLocalId(endpoint))) {
    return fail(
      'discovery_mismatch',
      'identity differs from the OP-local identifier discovered for the claimed id',
    );
  }
  return PASS;
}

/** OpenID 1: `openid.identity` is the delegate (or claimed id) kept from discovery for this login. */
export function checkOpenID1Identity(message: Message, endpoint: ServiceEndpoint): Check {
  if (!sameUri(message.get(OPENID_NS, 'identity'), endpointLocalId(endpoint))) {
    return fail(
      'discovery_mismatch',
      'openid.identity differs from the identifier discovery gave for this login',
    );
  }
  return PASS;
}
