/**
 * The root entry holds the front doors, the contracts users implement, the
 * extensions, the errors and the types users write (docs/architecture.md,
 * "Entry points"); building blocks live in openid2/protocol. This list makes
 * a new root value a deliberate change: add it here, or export it from
 * src/protocol.ts instead.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as root from '../../src/index.js';
import * as protocol from '../../src/protocol.js';

const ROOT_VALUES = [
  'ASSOCIATE_FAILURE_CODES',
  'AXFetchRequest',
  'AXFetchResponse',
  'AXStoreRequest',
  'AXStoreResponse',
  'AX_MODES',
  'AX_NS',
  'AX_TYPES',
  'AX_TYPES_OPENID_NET',
  'AX_TYPES_SCHEMA_OPENID_NET',
  'AlreadySignedError',
  'AssociateRequest',
  'Association',
  'AuthRequest',
  'BARE_NS',
  'CHANNEL_NAMES',
  'COMPLETE_FAILURE_CODES',
  'CheckAuthRequest',
  'CheckIDRequest',
  'DEFAULT_PAIRS',
  'DISCOVERY_ERROR_CODES',
  'DiscoveryCache',
  'DiscoveryError',
  'EncodingError',
  'FETCH_DEFAULTS',
  'FETCH_ERROR_CODES',
  'FetchError',
  'FileQueue',
  'FileStore',
  'IDENTIFIER_SELECT',
  'MAX_AX_ALIAS_LENGTH',
  'MalformedReturnUrlError',
  'MalformedTrustRootError',
  'MemoryQueue',
  'MemoryStore',
  'Message',
  'NoReturnToError',
  'OPENID1_NS',
  'OPENID2_NS',
  'OPENID_NS',
  'OPResponse',
  'OpenIDError',
  'PAPERequest',
  'PAPEResponse',
  'PAPE_LEVEL_JISA',
  'PAPE_LEVEL_NIST',
  'PAPE_NS',
  'PAPE_POLICY_MULTI_FACTOR',
  'PAPE_POLICY_MULTI_FACTOR_PHYSICAL',
  'PAPE_POLICY_NONE',
  'PAPE_POLICY_PHISHING_RESISTANT',
  'PROTOCOL_ERROR_CODES',
  'PROVIDER_ERROR_CODES',
  'ProtocolError',
  'Provider',
  'Realm',
  'RelyingParty',
  'SREG_FIELDS',
  'SRegRequest',
  'SRegResponse',
  'STATE_SESSION_KEY',
  'STORE_ERROR_CODES',
  'SessionNegotiator',
  'StoreError',
  'SuccessResult',
  'USAGE_ERROR_CODES',
  'UntrustedReturnUrlError',
  'VersionError',
  'addExtensionToMessage',
  'createDefaultFetcher',
  'createFetcher',
  'createWebFetcher',
  'discover',
  'formatAuthTime',
  'identityPageHead',
  'identityPageHtml',
  'identityPageHtml1',
  'identityPageLinks',
  'identityPageXrds',
  'isCompleteFailureCode',
  'isSRegField',
  'isValidAttributeAlias',
  'lacksDnsPinning',
  'normalizeIdentifier',
  'opIdentifierXrds',
  'openQueue',
  'openStore',
  'parseAuthTime',
  'providerHandler',
  'readSignedExtension',
  'renderXrds',
  'rpHandlers',
  'rpReturnToXrds',
  'runWorkerOnce',
  'startAssociationWorker',
];

test('the root entry exports exactly the listed values', () => {
  assert.deepEqual(Object.keys(root).sort(), ROOT_VALUES);
});

test('the root entry stays within its budget of values', () => {
  assert.ok(ROOT_VALUES.length <= 120, `${ROOT_VALUES.length} root values`);
});

test('low-level helpers are in openid2/protocol, not the root', () => {
  for (const name of [
    'btwoc',
    'finalXrd',
    'computeMac',
    'escapeHtml',
    'classifyAddress',
    'kvform',
    'makeNonce',
  ]) {
    assert.ok(name in protocol, `openid2/protocol exports ${name}`);
    assert.ok(!(name in root), `the root does not export ${name}`);
  }
});

test('what both entries export is the same object', () => {
  for (const name of ['Message', 'Association', 'Realm', 'SessionNegotiator', 'OPENID2_NS']) {
    assert.equal((root as Record<string, unknown>)[name], (protocol as Record<string, unknown>)[name], name);
  }
});
