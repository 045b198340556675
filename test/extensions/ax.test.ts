import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { AXFetchRequest, AXFetchResponse, AXStoreRequest, AXStoreResponse } from '../../src/extensions/ax.js';
import { AX_NS, AX_TYPES, AX_TYPES_OPENID_NET } from '../../src/extensions/ax-types.js';
import { addExtensionToMessage } from '../../src/extensions/extension.js';
import { OPENID2_NS } from '../../src/protocol/constants.js';
import { ProtocolError, VersionError } from '../../src/protocol/errors.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { opAnswerUrl, opDecode, REALM, rpComplete, rpRequestUrl } from './flow.js';

const isAxInvalid = (e: unknown) => e instanceof ProtocolError && e.code === 'ax_invalid';
const FAV_MOVIE = 'http://example.com/schema/favourite_movie';

/** A 2.0 message with `openid.ns.ax` and the given AX arguments. */
function axMessage(args: Record<string, string>, extra: Record<string, string> = {}): Message {
  const wire: Record<string, string> = { 'openid.ns': OPENID2_NS, 'openid.ns.ax': AX_NS, ...extra };
  for (const [k, v] of Object.entries(args)) wire[`openid.ax.${k}`] = v;
  return Message.fromPostArgs(wire);
}

describe('AX fetch round trip RP → OP → RP (OpenID 2.0)', () => {
  test('values travel by type URI, counts are honoured, update_url is echoed', () => {
    const fetch = new AXFetchRequest({ updateUrl: 'https://rp.example/ax-update?t=1' })
      .add(AX_TYPES.email, { required: true, alias: 'email' })
      .add(AX_TYPES.nickname, { count: 'unlimited' })
      .add(FAV_MOVIE, { count: 2 })
      .add(AX_TYPES.gender);
    const url = rpRequestUrl('2.0', [fetch]);
    const wire = new URL(url).searchParams;
    assert.equal(wire.get('openid.ns.ax'), AX_NS);
    assert.equal(wire.get('openid.ax.mode'), 'fetch_request');
    assert.equal(wire.get('openid.ax.required'), 'email');
    assert.equal(wire.get('openid.ax.if_available'), 'a0,a1,a2');
    assert.equal(wire.get('openid.ax.count.a0'), 'unlimited');

    const request = opDecode(url);
    const ax = AXFetchRequest.fromCheckIdRequest(request);
    assert.ok(ax);
    assert.deepEqual(ax.attributes, [
      { typeUri: AX_TYPES.email, alias: 'email', count: 1, required: true },
      { typeUri: AX_TYPES.nickname, alias: 'a0', count: 'unlimited', required: false },
      { typeUri: FAV_MOVIE, alias: 'a1', count: 2, required: false },
      { typeUri: AX_TYPES.gender, alias: 'a2', count: 1, required: false },
    ]);
    assert.equal(ax.updateUrl, 'https://rp.example/ax-update?t=1');

    const released = AXFetchResponse.extractResponse(
      ax,
      {
        [AX_TYPES.email]: 'victim@corp.example',
        [AX_TYPES.nickname]: ['vic', 'vt'],
        [FAV_MOVIE]: ['M1', 'M2', 'M3'],
        [AX_TYPES.gender]: [],
        [AX_TYPES.birthDate]: '1980-01-01',
      },
      { echoUpdateUrl: true },
    );
    const answer = opAnswerUrl(request, [released]);
    const back = new URL(answer).searchParams;
    assert.equal(back.get('openid.ax.value.email'), 'victim@corp.example');
    assert.equal(back.get('openid.ax.count.a1'), '2');
    assert.equal(back.get('openid.ax.count.a2'), '0');
    assert.equal(back.has('openid.ax.value.a1.3'), false, 'never more values than requested');

    const response = AXFetchResponse.fromSuccess(rpComplete(answer));
    assert.ok(response);
    assert.equal(response.get(AX_TYPES.email), 'victim@corp.example');
    assert.deepEqual(response.getAll(AX_TYPES.nickname), ['vic', 'vt']);
    assert.deepEqual(response.getAll(FAV_MOVIE), ['M1', 'M2']);
    assert.equal(response.has(AX_TYPES.gender), true);
    assert.equal(response.get(AX_TYPES.gender), null);
    assert.equal(response.has(AX_TYPES.birthDate), false, 'unrequested types are not released');
    assert.equal(response.updateUrl, 'https://rp.example/ax-update?t=1');
  });

  test('get() with several vocabularies returns the first type that has a value', () => {
    const request = opDecode(
      rpRequestUrl('2.0', [new AXFetchRequest().add(AX_TYPES.email).add(AX_TYPES_OPENID_NET.email)]),
    );
    const ax = AXFetchRequest.fromCheckIdRequest(request) as AXFetchRequest;
    const answer = opAnswerUrl(request, [
      AXFetchResponse.extractResponse(ax, { [AX_TYPES_OPENID_NET.email]: 'x@y.example' }),
    ]);
    const response = AXFetchResponse.fromSuccess(rpComplete(answer));
    assert.equal(response?.get([AX_TYPES.email, AX_TYPES_OPENID_NET.email]), 'x@y.example');
  });

  test('store request and store responses round trip', () => {
    const url = rpRequestUrl('2.0', [
      new AXStoreRequest().add(AX_TYPES.nickname, 'bob').add(FAV_MOVIE, ['A', 'B']),
    ]);
    const request = opDecode(url);
    assert.equal(AXFetchRequest.fromCheckIdRequest(request), null, 'a store request is not a fetch request');
    const store = AXStoreRequest.fromCheckIdRequest(request);
    assert.equal(store?.get(AX_TYPES.nickname), 'bob');
    assert.deepEqual(store?.getAll(FAV_MOVIE), ['A', 'B']);

    const ok = AXStoreResponse.fromSuccess(rpComplete(opAnswerUrl(request, [AXStoreResponse.success()])));
    assert.equal(ok?.succeeded, true);
    const failed = AXStoreResponse.fromSuccess(
      rpComplete(opAnswerUrl(request, [AXStoreResponse.failure('storage is full')])),
    );
    assert.equal(failed?.succeeded, false);
    assert.equal(failed?.error, 'storage is full');
    assert.equal(
      AXFetchResponse.fromSuccess(rpComplete(opAnswerUrl(request, [AXStoreResponse.success()]))),
      null,
    );
  });
});

describe('AX is OpenID 2 only', () => {
  test('refuses to write into an OpenID 1 message and leaves it unchanged', () => {
    const m = Message.create('1.1');
    const before = m.toPostArgs();
    assert.throws(() => addExtensionToMessage(m, new AXFetchRequest().add(AX_TYPES.email)), VersionError);
    assert.deepEqual(m.toPostArgs(), before);
  });

  test('reads nothing from an OpenID 1 message', () => {
    const m = Message.fromPostArgs({
      'openid.mode': 'checkid_setup',
      'openid.ns.ax': AX_NS,
      'openid.ax.mode': 'fetch_request',
      'openid.ax.type.e': AX_TYPES.email,
      'openid.ax.required': 'e',
    });
    assert.equal(AXFetchRequest.fromMessage(m), null);
  });
});

describe('AX fetch request parsing (provider side)', () => {
  const base = { mode: 'fetch_request', 'type.e': AX_TYPES.email, required: 'e' };

  test('reads the AX 1.0 §5.1 example', () => {
    const ax = AXFetchRequest.fromMessage(
      axMessage(
        {
          mode: 'fetch_request',
          'type.fname': 'http://example.com/schema/fullname',
          'type.gender': 'http://example.com/schema/gender',
          'type.fav_dog': 'http://example.com/schema/favourite_dog',
          'type.fav_movie': FAV_MOVIE,
          'count.fav_movie': '3',
          required: 'fname,gender',
          if_available: 'fav_dog,fav_movie',
          update_url: 'http://idconsumer.com/update?transaction_id=a6b5c41',
        },
        { 'openid.realm': 'http://idconsumer.com/' },
      ),
    );
    assert.equal(ax?.attributes.length, 4);
    assert.deepEqual(ax?.get(FAV_MOVIE), {
      typeUri: FAV_MOVIE,
      alias: 'fav_movie',
      count: 3,
      required: false,
    });
    assert.equal(ax?.get('http://example.com/schema/gender')?.required, true);
    assert.equal(ax?.updateUrl, 'http://idconsumer.com/update?transaction_id=a6b5c41');
  });

  const malformed: [string, Record<string, string>][] = [
    ['an alias with a comma', { mode: 'fetch_request', 'type.a,b': AX_TYPES.email, required: 'a' }],
    ['an alias longer than 64 characters', { ...base, [`type.${'x'.repeat(65)}`]: AX_TYPES.nickname }],
    ['a type that is not an absolute URI', { ...base, 'type.e': 'contact/email' }],
    ['the same type URI twice', { ...base, 'type.f': AX_TYPES.email }],
    ['a listed alias without a type', { ...base, required: 'e,f' }],
    ['an empty entry in a list', { ...base, required: 'e,' }],
    ['an alias in both lists', { ...base, if_available: 'e' }],
    ['an alias listed twice', { ...base, required: 'e,e' }],
    ['count 0', { ...base, 'count.e': '0' }],
    ['a negative count', { ...base, 'count.e': '-1' }],
    ['a count that is not a number', { ...base, 'count.e': 'many' }],
    ['a count for an alias without type', { ...base, 'count.f': '2' }],
    ['no attribute requested', { mode: 'fetch_request', 'type.e': AX_TYPES.email }],
    ['a missing mode', { 'type.e': AX_TYPES.email, required: 'e' }],
    ['an unknown mode', { ...base, mode: 'fetch' }],
  ];
  for (const [what, args] of malformed) {
    test(`refuses a request with ${what}`, () => {
      assert.throws(
        () => AXFetchRequest.fromMessage(axMessage(args, { 'openid.realm': REALM })),
        isAxInvalid,
      );
    });
  }

  test('drops an update_url outside the realm or not http(s)', () => {
    for (const updateUrl of [
      'https://evil.example/collect',
      'javascript:alert(1)',
      'https://rp.example.evil/x',
    ]) {
      const ax = AXFetchRequest.fromMessage(
        axMessage({ ...base, update_url: updateUrl }, { 'openid.realm': REALM }),
      );
      assert.equal(ax?.updateUrl, null, updateUrl);
    }
  });

  test('does not request types missing from both lists', () => {
    const ax = AXFetchRequest.fromMessage(axMessage({ ...base, 'type.x': AX_TYPES.nickname }));
    assert.equal(ax?.has(AX_TYPES.nickname), false);
  });
});

describe('AX fetch response parsing', () => {
  test('reads the AX 1.0 §5.2 example', () => {
    const ax = AXFetchResponse.fromMessage(
      axMessage({
        mode: 'fetch_response',
        'type.fname': 'http://example.com/schema/fullname',
        'type.gender': 'http://example.com/schema/gender',
        'type.fav_dog': 'http://example.com/schema/favourite_dog',
        'type.fav_movie': FAV_MOVIE,
        'value.fname': 'John Smith',
        'count.gender': '0',
        'value.fav_dog': 'Spot',
        'count.fav_movie': '2',
        'value.fav_movie.1': 'Movie1',
        'value.fav_movie.2': 'Movie2',
        update_url: 'http://idconsumer.com/update?transaction_id=a6b5c41',
      }),
    );
    assert.equal(ax?.get('http://example.com/schema/fullname'), 'John Smith');
    assert.deepEqual(ax?.getAll('http://example.com/schema/gender'), []);
    assert.deepEqual(ax?.getAll(FAV_MOVIE), ['Movie1', 'Movie2']);
    assert.equal(ax?.typeUris().length, 4);
  });

  const t = { mode: 'fetch_response', 'type.m': FAV_MOVIE };
  const malformed: [string, Record<string, string>][] = [
    ['a count larger than the values sent', { ...t, 'count.m': '3', 'value.m.1': 'a', 'value.m.2': 'b' }],
    ['a count smaller than the values sent', { ...t, 'count.m': '1', 'value.m.1': 'a', 'value.m.2': 'b' }],
    ['numbered values without a count', { ...t, 'value.m.1': 'a' }],
    ['a gap in the numbering', { ...t, 'count.m': '2', 'value.m.1': 'a', 'value.m.3': 'b' }],
    ['index 0', { ...t, 'count.m': '1', 'value.m.0': 'a' }],
    ['an index with a leading zero', { ...t, 'count.m': '1', 'value.m.01': 'a' }],
    ['value.<alias> together with a count', { ...t, 'count.m': '1', 'value.m': 'a', 'value.m.1': 'b' }],
    ['a value without a type', { ...t, 'value.x': 'a' }],
    ['a count that is not a number', { ...t, 'count.m': 'two' }],
    ['the same type under two aliases', { ...t, 'type.n': FAV_MOVIE }],
    ['count "unlimited"', { ...t, 'count.m': 'unlimited' }],
  ];
  for (const [what, args] of malformed) {
    test(`refuses a response with ${what}`, () => {
      assert.throws(() => AXFetchResponse.fromMessage(axMessage(args)), isAxInvalid);
    });
  }

  test('a store request needs a value for every attribute and no zero count', () => {
    const s = { mode: 'store_request', 'type.m': FAV_MOVIE };
    assert.throws(() => AXStoreRequest.fromMessage(axMessage(s)), isAxInvalid);
    assert.throws(() => AXStoreRequest.fromMessage(axMessage({ ...s, 'count.m': '0' })), isAxInvalid);
    assert.deepEqual(AXStoreRequest.fromMessage(axMessage({ ...s, 'value.m': 'x' }))?.getAll(FAV_MOVIE), [
      'x',
    ]);
  });

  test('never throws anything but ax_invalid on arbitrary AX arguments', () => {
    const key = fc.oneof(
      fc.constantFrom('mode', 'required', 'if_available', 'update_url'),
      fc
        .tuple(
          fc.constantFrom('type.', 'count.', 'value.'),
          fc.constantFrom('a', 'b', 'a.1', 'a.2', 'b.0', 'a,b', ''),
        )
        .map(([p, s]) => p + s),
    );
    const value = fc.constantFrom(
      'fetch_request',
      'fetch_response',
      'store_request',
      'store_response_failure',
      AX_TYPES.email,
      FAV_MOVIE,
      '0',
      '1',
      '2',
      'unlimited',
      'a',
      'a,b',
      '',
      'x y',
    );
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 12 }), (args) => {
        const m = axMessage(args, { 'openid.realm': REALM });
        for (const parse of [
          () => AXFetchRequest.fromMessage(m),
          () => AXFetchResponse.fromMessage(m),
          () => AXStoreRequest.fromMessage(m),
          () => AXStoreResponse.fromMessage(m),
        ]) {
          try {
            parse();
          } catch (e) {
            assert.ok(isAxInvalid(e), String(e));
          }
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('AX builders', () => {
  test('refuse a repeated type URI or alias, a bad alias or count, and an empty fetch request', () => {
    assert.throws(() => new AXFetchRequest().add(AX_TYPES.email).add(AX_TYPES.email), isAxInvalid);
    assert.throws(
      () => new AXFetchRequest().add(AX_TYPES.email, { alias: 'x' }).add(AX_TYPES.nickname, { alias: 'x' }),
      isAxInvalid,
    );
    assert.throws(() => new AXFetchRequest().add(AX_TYPES.email, { alias: 'e.mail' }), isAxInvalid);
    assert.throws(() => new AXFetchRequest().add(AX_TYPES.email, { count: 0 }), isAxInvalid);
    assert.throws(() => new AXFetchRequest().add(AX_TYPES.email, { count: 1.5 }), isAxInvalid);
    assert.throws(() => new AXFetchRequest().add('email'), isAxInvalid);
    assert.throws(() => new AXFetchRequest().toArgs('2.0'), isAxInvalid);
    assert.throws(() => new AXFetchRequest({ updateUrl: 'javascript:x' }), isAxInvalid);
    assert.throws(() => new AXStoreRequest().add(AX_TYPES.email, []), isAxInvalid);
  });

  test('write one value as value.<alias> and several as count plus numbered values', () => {
    const args = new AXFetchResponse()
      .add(AX_TYPES.email, 'a@b.example')
      .add(FAV_MOVIE, ['x', 'y'])
      .toArgs('2.0');
    assert.deepEqual(args, {
      mode: 'fetch_response',
      'type.a0': AX_TYPES.email,
      'value.a0': 'a@b.example',
      'type.a1': FAV_MOVIE,
      'count.a1': '2',
      'value.a1.1': 'x',
      'value.a1.2': 'y',
    });
  });

  test('a fetch response mode is not read as a fetch request, and the reverse', () => {
    const m = axMessage({ mode: 'fetch_response', 'type.e': AX_TYPES.email, 'value.e': 'x' });
    assert.equal(AXFetchRequest.fromMessage(m), null);
    assert.equal(AXFetchResponse.fromMessage(m)?.get(AX_TYPES.email), 'x');
    assert.equal(m.get(OPENID_NS, 'mode'), undefined);
  });
});
