/**
 * Issue 25, item 3: the Redis store and queue on a Sentinel-configured
 * ioredis client, against a private master and Sentinel the test starts on
 * free loopback ports (never the shared Redis).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RedisQueue } from '../../src/background/redis-queue.js';
import { RedisStore, redisWhere } from '../../src/drivers/redis.js';
import { clusterSkip } from '../helpers/redis-cluster.js';

const OP = 'https://op.example/openid';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('Redis through Sentinel', () => {
  it('the store and queue work on a client that finds the master through Sentinel', async (t) => {
    const skip = await clusterSkip();
    if (skip) return t.skip(skip);
    const dir = mkdtempSync(join(tmpdir(), 'openid2-sentinel-'));
    const children: ChildProcess[] = [];
    const { Redis } = await import('ioredis');
    let client: InstanceType<typeof Redis> | null = null;
    try {
      const masterPort = await freePort();
      const sentinelPort = await freePort();
      children.push(
        spawn(
          'redis-server',
          ['--port', String(masterPort), '--bind', '127.0.0.1', '--save', '', '--dir', dir],
          {
            stdio: 'ignore',
          },
        ),
      );
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(
        conf,
        [
          `port ${sentinelPort}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor openid2test 127.0.0.1 ${masterPort} 1`,
          '',
        ].join('\n'),
      );
      children.push(spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' }));
      client = new Redis({
        sentinels: [{ host: '127.0.0.1', port: sentinelPort }],
        name: 'openid2test',
        sentinelRetryStrategy: (n: number) => (n > 100 ? null : 100),
        maxRetriesPerRequest: 50,
      });
      client.on('error', () => {});
      const store = new RedisStore({ client, keyPrefix: 'openid2:s:', autoCleanup: false });
      assert.match(redisWhere(client), /Sentinel \(master openid2test\)/);
      const now = Math.floor(Date.now() / 1000);
      assert.equal(await store.useNonce(OP, now, 'a'), true);
      assert.equal(await store.useNonce(OP, now, 'a'), false);
      // The client talks to the master Sentinel named.
      const [host, port] = (await client.call('CONFIG', 'GET', 'port')) as string[];
      assert.equal(host, 'port');
      assert.equal(Number(port), masterPort);
      const queue = new RedisQueue({ client, keyPrefix: 'openid2:s:' });
      await queue.push({ opEndpoint: 'https://op.example/q', version: '2.0' });
      const got = await queue.take(1);
      assert.equal(got[0]?.opEndpoint, 'https://op.example/q');
      await queue.ack(got);
      await queue.close();
      await store.close();
    } finally {
      client?.disconnect();
      for (const c of children) c.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 100));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
