import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { decodeBody } from '../../src/discovery/charset.js';
import { discoverEndpointsFromHtml } from '../../src/discovery/endpoints.js';
import { findXrdsLocationMeta, parseHtmlLinks, parseLinkAttributes } from '../../src/discovery/html.js';
import { TYPE_CLAIMED_IDENTIFIER, TYPE_OPENID_1_1 } from '../../src/protocol/constants.js';
import { DiscoveryError } from '../../src/protocol/errors.js';
import { readVector, vectorPath } from '../helpers/vectors.js';

// ---------------------------------------------------------------- linkparse.txt

interface ExpectedLink {
  readonly optional: boolean;
  readonly attrs: Readonly<Record<string, { readonly optional: boolean; readonly value: string }>>;
}

interface LinkCase {
  readonly name: string;
  readonly markup: string;
  readonly links: readonly ExpectedLink[];
}

function parseLinkCases(text: string): { declared: number; cases: LinkCase[] } {
  const chunks = text.split('\n\n\n');
  const header = chunks.shift() ?? '';
  chunks.pop(); // the text after the last separator is not a case
  const declared = Number(/^Num Tests: (\d+)/.exec(header)?.[1]);
  const cases = chunks.map((chunk): LinkCase => {
    const split = chunk.indexOf('\n\n');
    const head = chunk.slice(0, split).split('\n');
    const markup = chunk.slice(split + 2);
    const name = (head.shift() ?? '').replace(/^Name: /, '');
    const links = head.map((line): ExpectedLink => {
      const [kind, ...pairs] = line.split(/\s+/).filter((p) => p !== '');
      const attrs: Record<string, { optional: boolean; value: string }> = {};
      for (const pair of pairs) {
        const eq = pair.indexOf('=');
        const key = pair.slice(0, eq);
        const optional = key.endsWith('*');
        attrs[optional ? key.slice(0, -1) : key] = { optional, value: pair.slice(eq + 1) };
      }
      return { optional: kind === 'Link*:', attrs };
    });
    return { name, markup, links };
  });
  return { declared, cases };
}

/**
 * The vectors' own matching rule: expected links are matched in order; an
 * optional link may be absent or mismatch (then it is skipped); optional
 * attributes may be absent; nothing may be left over.
 */
function matchesVector(
  actual: ReadonlyArray<Readonly<Record<string, string>>>,
  expected: readonly ExpectedLink[],
) {
  let i = 0;
  for (const link of expected) {
    const got = actual[i];
    if (got === undefined) {
      if (link.optional) continue;
      return `missing required link ${JSON.stringify(link.attrs)}`;
    }
    let ok = true;
    for (const [key, { optional, value }] of Object.entries(link.attrs)) {
      const have = got[key];
      if (have === undefined && optional) continue;
      if (have !== value) {
        ok = false;
        break;
      }
    }
    if (ok) i++;
    else if (!link.optional)
      return `link ${JSON.stringify(got)} does not match ${JSON.stringify(link.attrs)}`;
  }
  return i === actual.length ? null : `unexpected extra links ${JSON.stringify(actual.slice(i))}`;
}

/**
 * Cases where the vectors encode the old regex parser's reading and openid2
 * follows the HTML standard's tokenizer (what a browser shows the user).
 */
const LINKPARSE_SKIPS: Readonly<Record<string, string>> = {
  'Ignore random tags inside of html':
    '<title> is RCDATA (HTML §13.2.5.2): a <link> after an unclosed <title> is title text, as in browsers',
  'short tag has rel':
    "'/' inside an unquoted attribute value is part of it (HTML §13.2.5.40): rel is 'openid.server/'",
  'non-attr, has rel, short':
    "'/' inside an unquoted attribute value is part of it (HTML §13.2.5.40): rel is 'openid.server/'",
  'broken tags': "'<' inside an unquoted attribute value is part of it (HTML §13.2.5.40): x is 'y<'",
  'Repeated attribute':
    'a repeated attribute is dropped, the first one wins (HTML §13.2.5.33); the vector wants the last',
};

describe('linkparse.txt vectors (python-openid)', () => {
  const { declared, cases } = parseLinkCases(readVector('openid/test/linkparse.txt'));

  test('the file declares and holds 72 cases', () => {
    assert.equal(declared, 72);
    assert.equal(cases.length, 72);
  });

  for (const c of cases) {
    const skip = LINKPARSE_SKIPS[c.name] ?? false;
    test(`linkparse: ${c.name}`, { skip }, () => {
      const failure = matchesVector(parseLinkAttributes(c.markup), c.links);
      assert.equal(failure, null);
    });
  }

  test('every skipped case names a case that exists', () => {
    for (const name of Object.keys(LINKPARSE_SKIPS))
      assert.ok(
        cases.some((c) => c.name === name),
        name,
      );
  });
});

// ---------------------------------------------------------------- test1-parsehtml.txt

function parseMetaCases(text: string): Array<{ expected: string; html: string }> {
  return text.split('\f\n').map((record) => {
    const nl = record.indexOf('\n');
    return { expected: record.slice(0, nl), html: record.slice(nl + 1) };
  });
}

describe('test1-parsehtml.txt vectors (python-openid, Yadis meta)', () => {
  const cases = parseMetaCases(readVector('openid/test/data/test1-parsehtml.txt'));

  test('the file holds 29 cases', () => assert.equal(cases.length, 29));

  cases.forEach(({ expected, html }, index) => {
    const label = /<!--\s*(.*?)\s*-->/.exec(html)?.[1] ?? html.slice(0, 40);
    // 'None' (parse stopped) and 'EOF' (end reached) both mean "no meta found" to a caller.
    const want = expected === 'None' || expected === 'EOF' ? null : expected;
    test(`parsehtml #${index + 1}: ${label} → ${want === null ? 'not found' : JSON.stringify(want)}`, () => {
      assert.equal(findXrdsLocationMeta(html), want);
    });
  });

  test('the python3 variant (last case EOF instead of None) reads the same: not found', () => {
    const variant = parseMetaCases(
      readVector('_variants/python3-openid-3.2.0_necaris-main-e142fb9/openid/test/data/test1-parsehtml.txt'),
    );
    const last = variant[variant.length - 1]!;
    assert.equal(last.expected, 'EOF');
    assert.equal(findXrdsLocationMeta(last.html), null);
  });
});

// ---------------------------------------------------------------- test_discover HTML pages

const PAGE = 'http://smoker.example/';

describe('test_discover HTML vectors (python-openid)', () => {
  const page = (name: string): string => readVector(`openid/test/data/test_discover/${name}`);

  test('openid.html: an OpenID 1.1 server with delegate', () => {
    const endpoints = discoverEndpointsFromHtml(PAGE, page('openid.html'));
    assert.deepEqual(endpoints, [
      {
        version: '1.1',
        opEndpoint: 'http://www.myopenid.com/server',
        claimedId: PAGE,
        localId: 'http://smoker.myopenid.com/',
        types: [TYPE_OPENID_1_1],
        isOpIdentifier: false,
        source: 'html',
      },
    ]);
  });

  test('openid2.html: an OpenID 2.0 provider with local id', () => {
    const endpoints = discoverEndpointsFromHtml(PAGE, page('openid2.html'));
    assert.deepEqual(
      endpoints.map((e) => [e.version, e.opEndpoint, e.localId, e.types]),
      [['2.0', 'http://www.myopenid.com/server', 'http://smoker.myopenid.com/', [TYPE_CLAIMED_IDENTIFIER]]],
    );
  });

  test('openid_1_and_2.html: multi-valued rel gives a 2.0 and a 1.1 endpoint, 2.0 first', () => {
    const endpoints = discoverEndpointsFromHtml(PAGE, page('openid_1_and_2.html'));
    assert.deepEqual(
      endpoints.map((e) => [e.version, e.opEndpoint, e.localId]),
      [
        ['2.0', 'http://www.myopenid.com/server', 'http://smoker.myopenid.com/'],
        ['1.1', 'http://www.myopenid.com/server', 'http://smoker.myopenid.com/'],
      ],
    );
  });

  test('openid_and_yadis.html: the meta tag and the 1.1 links are both found', () => {
    const html = page('openid_and_yadis.html');
    assert.equal(findXrdsLocationMeta(html), 'http://someuser.unittest/xrds');
    assert.deepEqual(
      discoverEndpointsFromHtml(PAGE, html).map((e) => [e.version, e.localId]),
      [['1.1', 'http://smoker.myopenid.com/']],
    );
  });

  test('openid_no_delegate.html: a server without delegate leaves localId null', () => {
    const endpoints = discoverEndpointsFromHtml(PAGE, page('openid_no_delegate.html'));
    assert.deepEqual(
      endpoints.map((e) => [e.version, e.opEndpoint, e.localId]),
      [['1.1', 'http://www.myopenid.com/server', null]],
    );
  });
});

describe('_variants unicode pages: robust decoding of non-UTF-8 bytes in <head>', () => {
  const variant = (fork: string, name: string): Buffer =>
    readFileSync(vectorPath(`_variants/${fork}/openid/test/data/test_discover/${name}`));
  const forks = ['python-openid-3.2_openid-master-afa6ada', 'python3-openid-3.2.0_necaris-main-e142fb9'];

  for (const fork of forks) {
    test(`${fork} unicode.html: decodes as UTF-8, no meta and no links, no error`, () => {
      const html = decodeBody(variant(fork, 'unicode.html'), 'text/html');
      assert.match(html, /Title with param that needs decoding/);
      assert.equal(findXrdsLocationMeta(html), null);
      assert.deepEqual(discoverEndpointsFromHtml(PAGE, html), []);
    });

    test(`${fork} unicode3.html: undecodable bytes after the meta tag do not hide it`, () => {
      for (const contentType of ['text/html', 'text/html; charset=utf-8', 'text/html; charset=ISO-8859-1']) {
        const html = decodeBody(variant(fork, 'unicode3.html'), contentType);
        assert.equal(findXrdsLocationMeta(html), 'http://someuser.unittest/xrds', contentType);
      }
    });
  }

  test('unicode2.html: undecodable bytes before the meta tag do not hide it either (python-openid failed here)', () => {
    const bytes = variant(forks[0]!, 'unicode2.html');
    for (const contentType of ['text/html', 'text/html; charset=utf-8', 'text/html; charset=windows-1252']) {
      assert.equal(findXrdsLocationMeta(decodeBody(bytes, contentType)), 'http://someuser.unittest/xrds');
    }
  });
});

// ---------------------------------------------------------------- rules (security-cases §17)

function head(links: string): string {
  return `<!DOCTYPE html><html><head><title>t</title>${links}</head><body><p>x</p></body></html>`;
}

describe('HTML discovery rules', () => {
  test('ignores a link inside a comment (HT-01)', () => {
    const links = parseHtmlLinks(
      head('<!-- <link rel="openid2.provider" href="https://evil.example/op"> -->'),
      PAGE,
    );
    assert.equal(links.provider, null);
  });

  test('ignores links inside <script>, <noscript> and <template> (HT-02)', () => {
    const html = head(
      '<script>var s = \'<link rel="openid2.provider" href="https://a.example/">\';</script>' +
        '<noscript><link rel="openid2.provider" href="https://b.example/"></noscript>' +
        '<template><link rel="openid2.provider" href="https://c.example/"></template>' +
        '<link rel="openid2.provider" href="https://real.example/">',
    );
    assert.equal(parseHtmlLinks(html, PAGE).provider, 'https://real.example/');
  });

  test('ignores a link in <body> (HT-03)', () => {
    const html =
      '<html><head></head><body><link rel="openid2.provider" href="https://evil.example/"></body></html>';
    assert.equal(parseHtmlLinks(html, PAGE).provider, null);
  });

  test('matches whole rel tokens only (HT-04)', () => {
    const html = head(
      '<link rel="xopenid2.providerx" href="https://a.example/"><link rel="openid2.provider.evil" href="https://b.example/">',
    );
    assert.equal(parseHtmlLinks(html, PAGE).provider, null);
  });

  test('matches rel tokens case-insensitively and separated by any whitespace (HT-05)', () => {
    const html = head('<LINK REL="stylesheet\tOpenID2.Provider\nOPENID.SERVER" HREF="https://op.example/">');
    const links = parseHtmlLinks(html, PAGE);
    assert.equal(links.provider, 'https://op.example/');
    assert.equal(links.server, 'https://op.example/');
  });

  test('decodes only &amp; &lt; &gt; &quot; in hrefs (HT-06)', () => {
    const html = head('<link rel="openid2.provider" href="https://op.example/s?a=1&amp;b=2&hellip;&#x41;">');
    assert.equal(parseHtmlLinks(html, PAGE).provider, 'https://op.example/s?a=1&b=2&hellip;&#x41;');
  });

  test('the first link of each rel wins (HT-07)', () => {
    const html = head(
      '<link rel="openid2.provider" href="https://first.example/"><link rel="openid2.provider" href="https://evil.example/">',
    );
    assert.equal(parseHtmlLinks(html, PAGE).provider, 'https://first.example/');
  });

  test('resolves a relative href against the page URL', () => {
    const html = head('<link rel="openid2.provider" href="/server"><link rel="openid2.local_id" href="me">');
    const links = parseHtmlLinks(html, 'https://id.example/users/alice');
    assert.equal(links.provider, 'https://id.example/server');
    assert.equal(links.localId, 'https://id.example/users/me');
  });

  test('refuses a provider href that is not http(s) (HT-08)', () => {
    for (const href of ['javascript:alert(1)', 'file:///etc/passwd', 'data:text/html,x']) {
      assert.throws(
        () => discoverEndpointsFromHtml(PAGE, head(`<link rel="openid2.provider" href="${href}">`)),
        (err: unknown) => err instanceof DiscoveryError && err.code === 'html_discovery_invalid',
        href,
      );
    }
  });

  test('a local id without a provider gives no endpoint (HT-10)', () => {
    assert.deepEqual(
      discoverEndpointsFromHtml(PAGE, head('<link rel="openid2.local_id" href="https://x/">')),
      [],
    );
  });

  test('does not resolve entities or DTDs in the page (XML-06)', () => {
    const html =
      '<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><html><head>' +
      '<link rel="openid2.provider" href="https://op.example/&xxe;"></head></html>';
    assert.equal(parseHtmlLinks(html, PAGE).provider, 'https://op.example/&xxe;');
  });

  test('skips links without href', () => {
    const html = head(
      '<link rel="openid2.provider"><link rel="openid2.provider" href="https://op.example/">',
    );
    assert.equal(parseHtmlLinks(html, PAGE).provider, 'https://op.example/');
  });

  test('finds the meta tag only in the head, first one wins', () => {
    assert.equal(
      findXrdsLocationMeta(
        '<html><head><meta http-equiv="X-XRDS-Location" content="/a"><meta http-equiv="X-XRDS-Location" content="/b">',
      ),
      '/a',
    );
    assert.equal(
      findXrdsLocationMeta(
        '<html><head></head><body><meta http-equiv="X-XRDS-Location" content="/a"></body>',
      ),
      null,
    );
  });
});
