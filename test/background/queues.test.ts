import { MemoryQueue } from '../../src/background/memory-queue.js';
import { queueConformance } from '../conformance/queue.js';

queueConformance('memory', async () => {
  const queue = new MemoryQueue();
  return { queue, reopen: async (leaseMs) => new MemoryQueue({ leaseMs }) };
});
