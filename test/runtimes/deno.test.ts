/** The Hono example in the real deno runtime (from npm): see scenarios.ts for what runs. */
import { registerRuntimeTests } from './scenarios.js';

registerRuntimeTests('deno');
