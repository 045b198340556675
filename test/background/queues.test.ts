/** Every queue runs the same contract suite; the shared ones against real servers. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileQueue } from '../../src/background/file-queue.js';
import { MemoryQueue } from '../../src/background/memory-queue.js';
import { queueConformance } from '../conformance/queue.js';

queueConformance('memory', async () => {
  const queue = new MemoryQueue();
  // One process's memory: a second consumer is the same queue with a short lease.
  return { queue, reopen: async (leaseMs) => (leaseMs >= 60_000 ? queue : new MemoryQueue({ leaseMs })) };
});

queueConformance('file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'openid2-fq-'));
  const directory = join(dir, 'queue');
  return {
    queue: new FileQueue({ directory }),
    reopen: async (leaseMs) => new FileQueue({ directory, leaseMs }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
