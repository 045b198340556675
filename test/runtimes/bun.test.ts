/** The Hono example in the real bun runtime (from npm): see scenarios.ts for what runs. */
import { registerRuntimeTests } from './scenarios.js';

registerRuntimeTests('bun');
