/**
 * Identity pages written by the library: one `<link>` per rel (issue 24).
 * The matcher below reads the page as yohcop/openid-go does: an element
 * counts only when its whole `rel` attribute equals the rel sought, so a
 * page writing `rel="openid2.provider openid.server"` in one element is
 * invisible to it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { discoverEndpointsFromHtml } from '../../src/discovery/endpoints.js';
import { parseLinkAttributes } from '../../src/discovery/html.js';
import { identityPageHead, identityPageHtml, identityPageHtml1 } from '../../src/op/identity-pages.js';

/** The href of every `<link>` whose rel attribute is exactly `rel` (openid-go's comparison, not a token match). */
function exactRel(html: string, rel: string): string[] {
  return parseLinkAttributes(html)
    .filter((a) => a['rel'] === rel && a['href'] !== undefined)
    .map((a) => a['href'] as string);
}

/** Every rel attribute of the page's links. */
function rels(html: string): string[] {
  return [...html.matchAll(/<link rel="([^"]*)"/g)].map((m) => m[1] as string);
}

const EP = 'https://op.example/openid';
const LOCAL = 'https://op.example/id/alice';

describe('identity pages: one <link> per rel', () => {
  test('an exact-attribute reader finds the 2.0 and 1.x provider links', () => {
    const html = identityPageHtml({ opEndpoint: EP });
    assert.deepEqual(exactRel(html, 'openid2.provider'), [EP]);
    assert.deepEqual(exactRel(html, 'openid.server'), [EP]);
  });

  test('delegation: local_id and delegate each in their own element', () => {
    const html = identityPageHtml({ opEndpoint: EP, localId: LOCAL });
    assert.deepEqual(exactRel(html, 'openid2.local_id'), [LOCAL]);
    assert.deepEqual(exactRel(html, 'openid.delegate'), [LOCAL]);
  });

  test('no rel attribute written by the library holds more than one value', () => {
    for (const html of [
      identityPageHtml({ opEndpoint: EP, localId: LOCAL, xrdsUrl: `${EP}/xrds` }),
      identityPageHead({ opEndpoint: EP, localId: LOCAL }),
      identityPageHtml1({ opEndpoint: EP, delegate: LOCAL }),
    ]) {
      const found = rels(html);
      assert.ok(found.length > 0);
      for (const r of found) assert.doesNotMatch(r, /\s/);
    }
  });

  test('the 1.x-only page carries openid.server and openid.delegate and nothing of 2.0', () => {
    const html = identityPageHtml1({ opEndpoint: EP, delegate: LOCAL });
    assert.deepEqual(rels(html), ['openid.server', 'openid.delegate']);
    const found = discoverEndpointsFromHtml('https://alice.example/', html);
    assert.deepEqual(
      found.map((e) => e.version),
      ['1.1'],
    );
  });

  test("versions: '2.0' writes only the 2.0 links", () => {
    assert.deepEqual(rels(identityPageHead({ opEndpoint: EP, localId: LOCAL, versions: '2.0' })), [
      'openid2.provider',
      'openid2.local_id',
    ]);
  });

  test('values are escaped in each element', () => {
    const html = identityPageHead({ opEndpoint: 'https://op.example/?a=1&b="2"' });
    assert.deepEqual(exactRel(`<html><head>${html}</head></html>`, 'openid.server'), [
      'https://op.example/?a=1&b="2"',
    ]);
    assert.ok(!html.includes('"2"'));
  });
});
