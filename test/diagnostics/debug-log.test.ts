/**
 * NODE_DEBUG=openid2 prints one line per step of a login, ending with the
 * failing check's code, and no secret of that login.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./failing-login.ts', import.meta.url));

function run(debug: string | undefined) {
  const env = { ...process.env };
  delete env['NODE_DEBUG'];
  if (debug !== undefined) env['NODE_DEBUG'] = debug;
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return {
    out: JSON.parse(r.stdout) as { status: string; code: string; secrets: (string | null)[] },
    err: r.stderr,
  };
}

test('NODE_DEBUG=openid2 on a failing login prints each step and the failing code, no secret', () => {
  const { out, err } = run('openid2');
  assert.equal(out.status, 'failure');
  assert.equal(out.code, 'return_to_mismatch');
  const lines = err.split('\n').filter((l) => l.startsWith('OPENID2 '));
  const steps = lines.map((l) => l.replace(/^OPENID2 \d+: /, '').split(' ')[0]);
  for (const step of ['fetch', 'discovery', 'associate', 'begin', 'complete'])
    assert.ok(steps.includes(step), `a ${step} line in:\n${lines.join('\n')}`);
  const complete = lines.find((l) => / complete /.test(l)) as string;
  assert.match(complete, /outcome=failure code=return_to_mismatch reason="/);
  assert.match(
    lines.find((l) => / associate /.test(l)) as string,
    /outcome=association assocType=HMAC-SHA256/,
  );
  const secrets = out.secrets.filter((s): s is string => s !== null);
  assert.equal(secrets.length, 3);
  for (const s of secrets) {
    assert.ok(!err.includes(s), 'a secret in the debug output');
    assert.ok(!err.includes(encodeURIComponent(s)), 'a secret in the debug output (encoded)');
  }
});

test('without NODE_DEBUG nothing is printed', () => {
  const { out, err } = run(undefined);
  assert.equal(out.code, 'return_to_mismatch');
  assert.ok(!err.includes('OPENID2'), err);
});
