/**
 * Class 4 of issue 27, "outside input quoted inertly": raw control characters (ESC, BEL,
 * CR, LF, C1 CSI, bidi overrides) from hostile documents and providers never reach a
 * message or the terminal. One helper (`inert`) does the quoting; each path that quotes
 * outside input is tested: begin()'s error, complete()'s discovery_failed, the provider's
 * error text, and the CLI's discover and associate verbs.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import '../../src/cli/commands.js';
import { type CliIO, runCli } from '../../src/cli/run.js';
import { Provider } from '../../src/op/provider.js';
import { OPENID2_NS } from '../../src/protocol/constants.js';
import { DiscoveryError, OpenIDError, ProtocolError } from '../../src/protocol/errors.js';
import { escapeControls, INERT_MAX_CHARS, inert, inertJson } from '../../src/protocol/inert.js';
import { OPENID_NS } from '../../src/protocol/message.js';
import { MemoryStore } from '../../src/stores/memory.js';
import { identityPage, OP, TestStore } from '../helpers/fake-op.js';
import { FakeOP, failure, fakeLogin, makeRp } from './world.js';

/** Characters that must never appear raw in a message (newline aside, for multi-line CLI output). */
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const RAW_WITH_NEWLINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const HOSTILE = '\u001b[2J\u0007\r\nFORGED: line\u009b31m\u202egnp.exe';

describe('inert: the one quoting helper', () => {
  test('escapes C0, DEL, C1, separators and bidi controls as visible escapes', () => {
    assert.equal(inert('a\u001bb\u0007c\rd\ne\tf'), 'a\\x1bb\\x07c\\rd\\ne\\tf');
    assert.equal(inert('\u007f\u009b\u0085'), '\\x7f\\x9b\\x85');
    assert.equal(inert('x\u2028y\u202ez\u2066'), 'x\\u2028y\\u202ez\\u2066');
    assert.doesNotMatch(inert(HOSTILE), RAW_WITH_NEWLINE);
  });

  test('keeps printable text, non-ASCII letters and surrogate pairs; escapes lone surrogates', () => {
    assert.equal(inert('https://ex.ample/ré😀'), 'https://ex.ample/ré😀');
    assert.equal(inert('a\ud800b\udc00'), 'a\\ud800b\\udc00');
  });

  test('caps the length and says how much was cut, never splitting a pair', () => {
    const long = 'x'.repeat(INERT_MAX_CHARS + 50);
    assert.equal(inert(long), `${'x'.repeat(INERT_MAX_CHARS)}… (50 more characters)`);
    assert.equal(inert(`ab😀cd`, 3), 'ab… (4 more characters)');
  });

  test('null and undefined read as (none); other values as their string', () => {
    assert.equal(inert(undefined), '(none)');
    assert.equal(inert(null), '(none)');
    assert.equal(inert(42), '42');
  });

  test('inertJson parses back to the same value with no raw control character in the text', () => {
    const value = { a: HOSTILE, b: ['\u0085', 'ok'] };
    const text = inertJson(value);
    assert.doesNotMatch(text, RAW_WITH_NEWLINE);
    assert.deepEqual(JSON.parse(text), value);
  });

  test('every OpenIDError message is escaped, even where a caller forgot to quote', () => {
    assert.equal(new OpenIDError('x', `bad ${HOSTILE}`).message, `bad ${escapeControls(HOSTILE)}`);
    assert.doesNotMatch(new DiscoveryError('x', HOSTILE).message, RAW_WITH_NEWLINE);
  });
});

const ALICE = 'https://op.example/id/alice';
const HOSTILE_PAGE = 'https://evil.example/id';
// An OP endpoint that is not http(s) and does not parse as a URL: discovery quotes it back.
const hostileHtml = `<html><head><link rel="openid2.provider" href="ftp://a\u001b[2J\u0007\u009b31m${'z'.repeat(2000)}/"></head></html>`;

describe('inert quoting on each relying-party message path', () => {
  test('begin(): a <link href> holding ESC/BEL/C1 is quoted inertly and capped in the error', async () => {
    const op = new FakeOP(OP, { pages: { [HOSTILE_PAGE]: hostileHtml } });
    const rp = makeRp({ fetcher: op.fetcher, store: new TestStore() });
    await assert.rejects(rp.begin(HOSTILE_PAGE), (e: unknown) => {
      assert.ok(e instanceof DiscoveryError);
      assert.doesNotMatch(e.message, RAW_WITH_NEWLINE);
      assert.match(e.message, /\\x1b\[2J\\x07\\x9b31m/);
      assert.ok(e.message.length < 600, `message of ${e.message.length} characters`);
      return true;
    });
  });

  test("complete(): discovery_failed quotes the hostile page's link inertly", async () => {
    const op = new FakeOP(OP, { pages: { [ALICE]: identityPage(OP), [HOSTILE_PAGE]: hostileHtml } });
    const rp = makeRp({ fetcher: op.fetcher, store: new TestStore() });
    const a = await fakeLogin(rp, op, ALICE, {
      edit: (m) => m.set(OPENID_NS, 'claimed_id', HOSTILE_PAGE).set(OPENID_NS, 'identity', HOSTILE_PAGE),
    });
    const r = await rp.complete(a.url, { state: a.auth.state });
    assert.equal(failure(r), 'discovery_failed');
    const message = (r as { message: string }).message;
    assert.doesNotMatch(message, RAW_WITH_NEWLINE);
    assert.match(message, /\\x1b/);
    assert.ok(message.length < 1000, `message of ${message.length} characters`);
  });
});

describe('inert quoting in the provider error text', () => {
  const op = new Provider({ endpoint: 'https://op.example/openid', store: new MemoryStore() });

  test('a direct error answer (key-value form) carries no raw control character and is capped', async () => {
    const web = await op.respond(
      { 'openid.ns': OPENID2_NS, 'openid.mode': `bogus${HOSTILE}${'m'.repeat(5000)}` },
      (r) => r.answer(false),
    );
    assert.ok(web);
    assert.equal(web.status, 400);
    const error = /^error:(.*)$/m.exec(web.body)?.[1] ?? '';
    assert.ok(error.length > 0, web.body);
    assert.doesNotMatch(error, RAW);
    assert.ok(error.length <= 1100, `error text of ${error.length} characters`);
  });

  test('an indirect error (redirect to return_to) carries the public text escaped', async () => {
    const e = new ProtocolError('x', 'detail', {
      indirect: true,
      returnTo: 'https://rp.example/return',
      publicMessage: `refused ${HOSTILE}`,
    });
    const web = op.encodeError(e);
    const sent = new URL(web.headers.location as string).searchParams.get('openid.error') ?? '';
    assert.match(sent, /^refused /);
    assert.doesNotMatch(sent, RAW_WITH_NEWLINE);
  });
});

/** A tiny server: an XRDS identity page with hostile text, and a provider refusing associations with hostile text. */
async function hostileSite(): Promise<{ base: string; close(): Promise<void> }> {
  let base = '';
  const server: Server = createServer((req, res) => {
    req.resume();
    if (req.url === '/xrds') {
      res.writeHead(200, { 'content-type': 'application/xrds+xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><xrds:XRDS xmlns:xrds="xri://$xrds" xmlns="xri://$xrd*($v*2.0)"><XRD><Service><Type>http://specs.openid.net/auth/2.0/signon</Type><Type>urn:x:\u009b2J\u202eevil</Type><URI>${base}/op</URI><LocalID>${base}/me\u0085\u009b31m\u2028x</LocalID></Service></XRD></xrds:XRDS>`,
      );
      return;
    }
    if (req.url === '/html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(hostileHtml);
      return;
    }
    if (req.url === '/op') {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(
        `ns:${OPENID2_NS}\nmode:error\nerror:no \u001b]0;pwned\u0007 \u001b[2J thanks\u009b31m\nerror_code:unsupported-type\n`,
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: { write: (t: string) => (stdout += t), isTTY: true },
    stderr: { write: (t: string) => (stderr += t), isTTY: true },
    env: {},
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

describe('inert quoting in each CLI verb', () => {
  let site: Awaited<ReturnType<typeof hostileSite>>;
  before(async () => {
    site = await hostileSite();
  });
  after(() => site.close());

  for (const json of [false, true]) {
    const flags = json ? ['--json', '--allow-private-networks'] : ['--allow-private-networks'];
    test(`discover${json ? ' --json' : ''}: hostile XRDS fields print inertly`, async () => {
      const r = await cli('discover', `${site.base}/xrds`, ...flags);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout + r.stderr, RAW);
      assert.match(r.stdout, /me/);
      if (json) {
        const out = JSON.parse(r.stdout);
        assert.equal(out.endpoints[0].localId, `${site.base}/me\u0085\u009b31m\u2028x`);
      }
    });

    test(`discover${json ? ' --json' : ''}: a hostile <link href> in the failure message prints inertly`, async () => {
      const r = await cli('discover', `${site.base}/html`, ...flags);
      assert.equal(r.code, 1);
      assert.doesNotMatch(r.stdout + r.stderr, RAW);
      assert.match(r.stdout + r.stderr, /html_discovery_invalid/);
    });

    test(`associate${json ? ' --json' : ''}: the provider's error: text prints inertly`, async () => {
      const r = await cli('associate', `${site.base}/op`, '--endpoint', ...flags);
      assert.equal(r.code, 1);
      assert.doesNotMatch(r.stdout + r.stderr, RAW);
      assert.match(r.stdout + r.stderr, /thanks/);
    });
  }
});
