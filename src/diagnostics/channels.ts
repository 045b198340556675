/**
 * The `node:diagnostics_channel` tracing channels of openid2, one per
 * operation, in the convention undici and fastify follow: subscribers
 * (OpenTelemetry, a log, a metric) see `start` / `end` / `asyncStart` /
 * `asyncEnd` / `error` with one context object per operation, and measure
 * durations themselves. Nothing is published when no one subscribes.
 *
 * Security contract: a context object holds only what an operator needs
 * (identifiers, endpoints, modes, outcomes, codes). It never holds a MAC
 * key, a signature, a DH value, a state token, a cookie, a password or a
 * full response URL; `trace()` never stores the operation's return value
 * on the context (Node's `tracePromise` would).
 *
 * @example
 * import { tracingChannel } from 'node:diagnostics_channel';
 * tracingChannel('openid2:rp.complete').subscribe({
 *   asyncEnd(ctx) { console.log(ctx.outcome, ctx.code); },
 * });
 * @see docs/observability.md
 */
import type * as dc from 'node:diagnostics_channel';
import { redactCredentialParams } from '../protocol/inert.js';

/** Context of `openid2:rp.begin`. */
export interface BeginContext {
  /** What the user typed. */
  identifier: string;
  /** The OP endpoint chosen (set once known). */
  opEndpoint?: string;
  /** Protocol version of that endpoint. */
  version?: string;
  /** Whether an association is used for this login (false: stateless). */
  associated?: boolean;
  /** checkid_setup or checkid_immediate. */
  mode?: string;
}

/** Context of `openid2:rp.complete`. */
export interface CompleteContext {
  /** Where the response arrived: origin and path only (the query holds the signature). */
  returnTo: string;
  /** The response's openid.mode, when it has one. */
  mode?: string;
  /** `success`, `failure`, `cancel` or `setup_needed`. */
  outcome?: string;
  /** The failure code, when outcome is `failure`. */
  code?: string;
  /** The failure's sentence for logs. */
  reason?: string;
  /** The verified claimed identifier, on success. */
  claimedId?: string | null;
  /** On failure, the claimed identifier the response named: unverified, never an identity. */
  assertedClaimedId?: string;
  /** The OP endpoint that vouched, on success. */
  opEndpoint?: string;
  /** `association` or `check_authentication`, on success. */
  verifiedBy?: string;
}

/** Context of `openid2:discovery`. */
export interface DiscoveryContext {
  /** The identifier as given. */
  identifier: string;
  /** True when the answer came from the discovery cache. */
  cached?: boolean;
  /** The normalized claimed identifier found. */
  claimedId?: string | null;
  /** How many OpenID services were found. */
  services?: number;
  /** The OP endpoints found, in priority order. */
  endpoints?: string[];
}

/** `url` for a payload or a log line, credential-named query values redacted (see `redactCredentialParams`). */
export function redactUrl(url: string): string {
  return redactCredentialParams(url);
}

/** Context of `openid2:fetch`. */
export interface FetchContext {
  /** The URL requested, credential-named query values redacted (`redactUrl`). */
  url: string;
  /** GET or POST. */
  method: string;
  /** The HTTP status of the final response. */
  status?: number;
  /** The final URL after redirects, redacted the same way. */
  finalUrl?: string;
  /** Bytes of the body read. */
  bytes?: number;
}

/** Context of `openid2:associate`. */
export interface AssociateContext {
  /** The OP endpoint. */
  opEndpoint: string;
  /** OpenID version of the request. */
  version: string;
  /** `association`, or `failed`. */
  outcome?: string;
  /** Why there is no association. */
  code?: string;
  /** The association type of the final attempt. */
  assocType?: string;
  /** The session type of the final attempt. */
  sessionType?: string;
  /** The association handle (public: it travels in every request). */
  handle?: string;
  /** Number of associate requests made (2 after an unsupported-type suggestion). */
  attempts?: number;
}

/** Context of `openid2:check_authentication` (relying party side). */
export interface CheckAuthContext {
  /** The OP endpoint asked. */
  opEndpoint: string;
  /** The handle the assertion used. */
  assocHandle?: string;
  /** `valid` or `invalid`. */
  outcome?: string;
  /** The failure code, when not valid. */
  code?: string;
}

/** Context of `openid2:op.request`. */
export interface ProviderRequestContext {
  /** The provider's endpoint. */
  opEndpoint: string;
  /** openid.mode of the request (associate, check_authentication, checkid_setup…). */
  mode: string;
  /** The association type asked, for associate. */
  assocType?: string;
  /** The session type asked, for associate. */
  sessionType?: string;
  /** `ok` or the error code of the answer. */
  outcome?: string;
  /** For check_authentication: whether the provider vouched. */
  isValid?: boolean;
}

/** Context of `openid2:store`. */
export interface StoreContext {
  /** The store operation: getAssociation, storeAssociation, useNonce, … */
  operation: string;
  /** The server URL the operation is about, when it has one. */
  serverUrl?: string;
  /** For useNonce: whether the nonce was fresh. */
  fresh?: boolean;
  /** For getAssociation: whether one was found. */
  found?: boolean;
}

/** Context of `openid2:worker.job`. */
export interface WorkerJobContext {
  /** The OP endpoint of the queue entry. */
  opEndpoint: string;
  /** `associated`, `skipped`, `failed` or `deferred`. */
  outcome?: string;
  /** Failure code when failed. */
  code?: string;
}

/** The name of every channel, in the order of a login. */
export const CHANNEL_NAMES = Object.freeze([
  'openid2:rp.begin',
  'openid2:discovery',
  'openid2:fetch',
  'openid2:associate',
  'openid2:rp.complete',
  'openid2:check_authentication',
  'openid2:op.request',
  'openid2:store',
  'openid2:worker.job',
] as const);
/** A channel name of openid2. */
export type ChannelName = (typeof CHANNEL_NAMES)[number];

/** The contexts, by channel name. */
export interface ChannelContexts {
  /** `RelyingParty.begin()`. */
  'openid2:rp.begin': BeginContext;
  /** `discover()`, also inside begin() and complete(). */
  'openid2:discovery': DiscoveryContext;
  /** Each request of the default fetcher. */
  'openid2:fetch': FetchContext;
  /** `associate()`, inline or in the worker. */
  'openid2:associate': AssociateContext;
  /** `RelyingParty.complete()`: one per login. */
  'openid2:rp.complete': CompleteContext;
  /** The relying party's check_authentication request. */
  'openid2:check_authentication': CheckAuthContext;
  /** Each request `Provider.respond()` answers. */
  'openid2:op.request': ProviderRequestContext;
  /** Each store operation of the relying party. */
  'openid2:store': StoreContext;
  /** Each queue entry of the background worker. */
  'openid2:worker.job': WorkerJobContext;
}

type Tracing<C extends object> = dc.TracingChannel<object, C>;
const made = new Map<string, Tracing<object>>();

/** The tracing channel of `name` (the same object Node returns for that name). */
export function channel<N extends ChannelName>(name: N): Tracing<ChannelContexts[N]> {
  let c = made.get(name);
  if (!c) {
    const diagnostics = (
      globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
    ).process?.getBuiltinModule?.('node:diagnostics_channel') as typeof dc | undefined;
    c = diagnostics ? (diagnostics.tracingChannel(name) as Tracing<object>) : silentChannel();
    made.set(name, c);
  }
  return c as unknown as Tracing<ChannelContexts[N]>;
}

/**
 * Whether anyone subscribes to channel `name` now. Call sites whose context
 * costs something to build (parsing a URL) ask first, so a process that
 * traces nothing pays nothing for it.
 */
export function isTraced(name: ChannelName): boolean {
  return hasSubscribers(channel(name));
}

/**
 * Run `fn` as a traced operation on channel `name`. `fn` fills in the
 * context as it learns (outcome, code); subscribers see the final context
 * at `asyncEnd`. The return value is never put on the context.
 *
 * Not an async function: with no subscriber `fn`'s own promise is handed
 * back as is (an async wrapper would add a promise and two microtask turns
 * to every store call of every login). A synchronous throw still arrives as
 * a rejection.
 */
export function trace<N extends ChannelName, T>(
  name: N,
  context: ChannelContexts[N],
  fn: (context: ChannelContexts[N]) => Promise<T>,
): Promise<T> {
  const c = channel(name);
  if (!hasSubscribers(c)) return untraced(() => fn(context));
  return traced(c, context, fn);
}

/** `call()` as a promise, untraced: a synchronous throw becomes a rejection. */
export function untraced<T>(call: () => Promise<T> | T): Promise<T> {
  try {
    return Promise.resolve(call());
  } catch (e) {
    return Promise.reject(e);
  }
}

async function traced<C extends object, T>(
  c: Tracing<C>,
  context: C,
  fn: (context: C) => Promise<T>,
): Promise<T> {
  let value: T | undefined;
  await c.tracePromise(async () => {
    value = await fn(context);
  }, context);
  return value as T;
}

/**
 * Where the runtime has no `node:diagnostics_channel` (Workers without
 * `nodejs_compat`, Vercel Edge) no one can subscribe: a channel that never
 * has subscribers, so trace() just runs the operation.
 */
function silentChannel(): Tracing<object> {
  const quiet = { hasSubscribers: false, subscribe() {}, unsubscribe: () => false };
  return {
    hasSubscribers: false,
    start: quiet,
    end: quiet,
    asyncStart: quiet,
    asyncEnd: quiet,
    error: quiet,
    subscribe() {},
    unsubscribe: () => false,
  } as unknown as Tracing<object>;
}

function hasSubscribers(c: Tracing<object>): boolean {
  // TracingChannel.hasSubscribers is Node ≥ 20.13; look at the sub-channels to be safe.
  const t = c as unknown as { hasSubscribers?: boolean };
  if (typeof t.hasSubscribers === 'boolean') return t.hasSubscribers;
  return c.start.hasSubscribers || c.asyncEnd.hasSubscribers || c.error.hasSubscribers;
}

/** Fill an `openid2:associate` context from what associate() returned (never the key). */
export function describeAssociate(
  ctx: AssociateContext,
  r: {
    association: { assocType: string; handle: string } | null;
    attempts: readonly { pair: { assocType: string; sessionType: string } }[];
    error?: { code: string } | undefined;
  },
): void {
  const last = r.attempts[r.attempts.length - 1];
  ctx.attempts = r.attempts.length;
  if (last) {
    ctx.assocType = last.pair.assocType;
    ctx.sessionType = last.pair.sessionType;
  }
  if (r.association) {
    ctx.outcome = 'association';
    ctx.handle = r.association.handle;
  } else {
    ctx.outcome = 'failed';
    if (r.error) ctx.code = r.error.code;
  }
}
