/**
 * Observability of openid2: tracing channels (`openid2:*`) and the
 * `NODE_DEBUG=openid2` log. Call sites import `trace` from here.
 *
 * @see docs/observability.md
 */
import { installDebugLog } from './debug.js';

export * from './channels.js';
export { debugLine } from './debug.js';
export { traceStore } from './store.js';

installDebugLog();
