import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { FakeOP, identityPage } from '../helpers/fake-op.js';
import { serveFetcher } from '../helpers/serve-fetcher.js';

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
      },
    );
  });
}

describe('openid2 associate', () => {
  let ok: Awaited<ReturnType<typeof serveFetcher>>;
  let refusing: Awaited<ReturnType<typeof serveFetcher>>;
  before(async () => {
    ok = await serveFetcher(
      (base) =>
        new FakeOP(`${base}/op`, { pages: { [`${base}/alice`]: identityPage(`${base}/op`) } }).fetcher,
    );
    refusing = await serveFetcher((base) => new FakeOP(`${base}/op`, { refuseAssociations: true }).fetcher);
  });
  after(async () => {
    await ok.close();
    await refusing.close();
  });

  test('associates with DH-SHA256 after discovering an identifier, with timings (--json)', async () => {
    const r = await cli('associate', `${ok.base}/alice`, '--json', '--allow-private-networks');
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, true);
    assert.equal(out.opEndpoint, `${ok.base}/op`);
    assert.deepEqual(
      out.attempts.map((a: { assocType: string; sessionType: string; outcome: string }) => [
        a.assocType,
        a.sessionType,
        a.outcome,
      ]),
      [['HMAC-SHA256', 'DH-SHA256', 'association']],
    );
    assert.equal(out.association.assocType, 'HMAC-SHA256');
    assert.equal(typeof out.attempts[0].elapsedMs, 'number');
  });

  test('--type HMAC-SHA1 uses DH-SHA1 against an OP endpoint', async () => {
    const r = await cli(
      'associate',
      `${ok.base}/op`,
      '--endpoint',
      '--type',
      'HMAC-SHA1',
      '--allow-private-networks',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /offered HMAC-SHA1\/DH-SHA1: association/);
  });

  test('a provider that refuses associations: exit 1 and its reason', async () => {
    const r = await cli(
      'associate',
      `${refusing.base}/op`,
      '--endpoint',
      '--json',
      '--allow-private-networks',
    );
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    assert.equal(out.ok, false);
    assert.equal(out.attempts[0].outcome, 'unsupported');
    assert.match(out.attempts[0].message, /Associations not supported/);
  });

  test('the SSRF guard applies unless --allow-private-networks; usage errors exit 2', async () => {
    assert.equal((await cli('associate', `${ok.base}/op`, '--endpoint')).code, 1);
    assert.equal((await cli('associate')).code, 2);
    assert.equal((await cli('associate', 'x', '--type', 'MD5')).code, 2);
    assert.equal((await cli('associate', '--help')).code, 0);
  });
});
