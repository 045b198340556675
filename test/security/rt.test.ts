/**
 * Security cases RT-01 … RT-12 (docs/security-cases.md §10, spec §11.1):
 * the assertion's return_to must be this relying party's URL, the one the
 * answer arrived at, with the query begin() sent. RT-13 is not applicable
 * (see not-applicable.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { identityPage, OP, TestStore } from '../helpers/fake-op.js';
import {
  FakeOP,
  failure,
  fakeLogin,
  fieldsOf,
  honestOp,
  loginAt,
  makeRp,
  type ProviderServer,
  RETURN,
  SECRET,
  success,
  withFields,
} from './world.js';

let honest: ProviderServer;
before(async () => {
  honest = await honestOp();
});
after(() => honest.close());

const alice = () => `${honest.base}/id/alice`;
/** The arrival URL with its scheme/authority/path replaced (the query kept). */
const at = (url: string, prefix: string) => url.replace(/^[^?]*/, prefix);

describe('RT: return_to verification', () => {
  test('RT-01 refuses a genuine assertion issued to another site (return_to_mismatch)', async () => {
    const other = makeRp({ realm: 'https://evil.example/', returnTo: 'https://evil.example/cb' });
    const theirs = await loginAt(other, alice());
    const rp = makeRp();
    const mine = await rp.begin(alice());
    const ourUrl = new URL(mine.redirectUrl).searchParams.get('openid.return_to') as string;
    const replayed = withFields(ourUrl, fieldsOf(theirs.url));
    assert.equal(failure(await rp.complete(replayed, { state: mine.state })), 'return_to_mismatch');
  });

  test('RT-02 refuses a return_to with another scheme (return_to_mismatch)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice(), {
      returnTo: 'http://rp.example/openid/return?sid=S',
      realm: 'http://rp.example/',
    });
    const arrived = at(url, 'https://rp.example/openid/return');
    assert.equal(failure(await rp.complete(arrived, { state: auth.state })), 'return_to_mismatch');
  });

  test('RT-03 refuses a return_to with another port (return_to_mismatch)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice(), {
      returnTo: 'https://rp.example:8443/openid/return?sid=S',
      realm: 'https://rp.example:8443/',
    });
    const arrived = at(url, 'https://rp.example/openid/return');
    assert.equal(failure(await rp.complete(arrived, { state: auth.state })), 'return_to_mismatch');
  });

  test('RT-04 accepts host case and an explicit default port', async () => {
    const rp = makeRp();
    const a = await loginAt(rp, alice());
    assert.equal(
      success(await rp.complete(at(a.url, 'https://RP.EXAMPLE:443/openid/return'), { state: a.auth.state })),
      alice(),
    );
    const b = await loginAt(rp, alice(), { returnTo: 'https://RP.EXAMPLE:443/openid/return?sid=S' });
    assert.equal(
      success(await rp.complete(at(b.url, 'https://rp.example/openid/return'), { state: b.auth.state })),
      alice(),
    );
  });

  test('RT-05 normalises %-encoded unreserved characters only: %72 passes; %2F, //, case and .. do not', async () => {
    const rp = makeRp();
    for (const path of [
      '/openid/return/../admin',
      '/openid//return',
      '/openid%2Freturn',
      '/OPENID/return',
      '/openid/return/',
    ]) {
      const { auth, url } = await loginAt(rp, alice());
      const arrived = at(url, `https://rp.example${path}`);
      assert.equal(failure(await rp.complete(arrived, { state: auth.state })), 'return_to_mismatch', path);
    }
    const { auth, url } = await loginAt(rp, alice());
    assert.equal(
      success(await rp.complete(at(url, 'https://rp.example/openid/%72eturn'), { state: auth.state })),
      alice(),
    );
  });

  test('RT-06 refuses an arrival without, or with another value of, a return_to parameter (return_to_mismatch)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const u = new URL(url);
    u.searchParams.delete('sid');
    assert.equal(failure(await rp.complete(u.toString(), { state: auth.state })), 'return_to_mismatch');
    u.searchParams.set('sid', 'T');
    assert.equal(failure(await rp.complete(u.toString(), { state: auth.state })), 'return_to_mismatch');
  });

  test('RT-07 refuses an extra non-OpenID parameter the provider never saw (return_to_mismatch)', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const extra = `${url}&next=${encodeURIComponent('https://evil.example/')}`;
    assert.equal(failure(await rp.complete(extra, { state: auth.state })), 'return_to_mismatch');
  });

  test('RT-08 compares hosts after parsing: userinfo does not make evil.example the RP (return_to_mismatch)', async () => {
    const id = 'https://op.example/id/alice';
    const op = new FakeOP(OP, { pages: { [id]: identityPage(OP) } });
    const rp = makeRp({ fetcher: op.fetcher, store: new TestStore() });
    const auth = await rp.begin(id);
    const request = FakeOP.request(auth.redirectUrl);
    const ours = request.get(OPENID_NS, 'return_to') as string;
    const sneaky = ours.replace('https://rp.example/', 'https://rp.example@evil.example/');
    const assertion = op.assertion(request, { edit: (m) => m.set(OPENID_NS, 'return_to', sneaky) });
    const arrived = assertion.toURL(ours);
    assert.equal(failure(await rp.complete(arrived, { state: auth.state })), 'return_to_mismatch');
  });

  test('RT-09 a forged Host header cannot make an attacker return_to "current": state or configuration decides', async () => {
    const other = makeRp({
      realm: 'https://evil.example/',
      returnTo: 'https://evil.example/openid/return?sid=S',
    });
    const theirs = await loginAt(other, alice());
    // The app builds "current URL" from Host: evil.example, so return_to and current URL agree.
    const rp = makeRp();
    const mine = await rp.begin(alice());
    const withState = failure(await rp.complete(theirs.url, { state: mine.state }));
    assert.ok(['session_binding_failed', 'return_to_mismatch'].includes(withState), withState);
    const open = makeRp({ allowUnsolicited: true });
    assert.equal(failure(await open.complete(theirs.url, {})), 'return_to_mismatch');
  });

  test('RT-10 refuses a 2.0 positive assertion without return_to (missing_field)', async () => {
    const id = 'https://op.example/id/alice';
    const op = new FakeOP(OP, { pages: { [id]: identityPage(OP) } });
    const rp = makeRp({ fetcher: op.fetcher, store: new TestStore() });
    const { auth, request } = await fakeLogin(rp, op, id);
    const ours = request.get(OPENID_NS, 'return_to') as string;
    const assertion = op.assertion(request, { edit: (m) => m.delete(OPENID_NS, 'return_to') });
    assert.equal(failure(await rp.complete(assertion.toURL(ours), { state: auth.state })), 'missing_field');
  });

  test('RT-11 refuses a return_to repeating a query key', async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice(), { returnTo: `${RETURN}&sid=T` });
    assert.deepEqual(new URL(url).searchParams.getAll('sid'), ['S', 'T']);
    // Arriving by GET, the duplicate is refused with the whole message; by POST, by the return_to check.
    assert.equal(failure(await rp.complete(url, { state: auth.state })), 'malformed_message');
    const body = new URLSearchParams(fieldsOf(url)).toString();
    const bare = withFields(url, {});
    assert.equal(failure(await rp.complete(bare, { state: auth.state, body })), 'return_to_mismatch');
  });

  test("RT-12 the RP's own state cannot be altered: a tampered or foreign state token, or an edited return_to parameter, fail", async () => {
    const rp = makeRp();
    const { auth, url } = await loginAt(rp, alice());
    const [v, payload, mac] = auth.state.split('.') as [string, string, string];
    const json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { returnTo: string };
    json.returnTo = json.returnTo.replace('sid=S', 'sid=ADMIN');
    const forgedState = `${v}.${Buffer.from(JSON.stringify(json)).toString('base64url')}.${mac}`;
    assert.equal(failure(await rp.complete(url, { state: forgedState })), 'state_invalid');
    const foreign = makeRp({ secret: `${SECRET}-other` });
    assert.equal(failure(await foreign.complete(url, { state: auth.state })), 'state_invalid');
    // An attacker who edits sid both in the URL and in the (signed) return_to.
    const edited = Message.fromQuery(url);
    edited.set(
      OPENID_NS,
      'return_to',
      (edited.get(OPENID_NS, 'return_to') as string).replace('sid=S', 'sid=ADMIN'),
    );
    const arrived = edited.toURL(edited.get(OPENID_NS, 'return_to') as string);
    const code = failure(await rp.complete(arrived, { state: auth.state }));
    assert.ok(['return_to_mismatch', 'bad_signature'].includes(code), code);
  });
});
