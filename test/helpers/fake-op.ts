/**
 * A test double of an OpenID provider built only from the protocol core: an
 * in-process Fetcher serving identity pages, associate and
 * check_authentication, plus helpers that mint signed assertions. Unit tests
 * of the relying party run against it without sockets.
 */
import { randomBytes } from 'node:crypto';
import type { Fetcher, FetchRequest, FetchResponse } from '../../src/discovery/fetcher.js';
import { Association } from '../../src/protocol/association.js';
import { type AssociationType, OPENID2_NS, type SessionType } from '../../src/protocol/constants.js';
import { answerDiffieHellman } from '../../src/protocol/dh.js';
import { Message, OPENID_NS } from '../../src/protocol/message.js';
import { makeNonce } from '../../src/protocol/nonce.js';
import { signMessage, verifyMessageSignature } from '../../src/protocol/signature.js';
import type { OpenIDStore } from '../../src/stores/store.js';

export const OP = 'https://op.example/server';

function response(url: string, status: number, body: string, contentType = 'text/plain'): FetchResponse {
  const bytes = new TextEncoder().encode(body);
  return {
    url,
    status,
    headers: new Headers({ 'content-type': contentType }),
    body: bytes,
    text: () => body,
  };
}

export interface FakeOpOptions {
  now?: () => number;
  /** Refuse associations with unsupported-type (Steam-like). */
  refuseAssociations?: boolean;
  /** Extra identity pages: URL -> HTML. */
  pages?: Record<string, string>;
}

/** An identity page pointing at `op` (2.0 link, optional local id, optional 1.1 links). */
export function identityPage(
  op: string,
  options: { localId?: string; version?: '2.0' | '1.1' } = {},
): string {
  const links =
    options.version === '1.1'
      ? `<link rel="openid.server" href="${op}">${options.localId ? `<link rel="openid.delegate" href="${options.localId}">` : ''}`
      : `<link rel="openid2.provider" href="${op}">${options.localId ? `<link rel="openid2.local_id" href="${options.localId}">` : ''}`;
  return `<html><head>${links}</head><body></body></html>`;
}

export class FakeOP {
  readonly endpoint: string;
  readonly shared = new Map<string, Association>();
  readonly private = new Map<string, Association>();
  /** Modes of every direct request received. */
  readonly log: string[] = [];
  readonly pages: Record<string, string>;
  readonly #now: () => number;
  readonly #options: FakeOpOptions;

  constructor(endpoint = OP, options: FakeOpOptions = {}) {
    this.endpoint = endpoint;
    this.#now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.#options = options;
    this.pages = {
      'https://alice.example/': identityPage(endpoint),
      'https://op.example/id/alice': identityPage(endpoint),
      'https://op.example/': `<html><head></head></html>`,
      ...options.pages,
    };
  }

  /** The fetcher the relying party uses. */
  readonly fetcher: Fetcher = async (url: string, init: FetchRequest = {}) => {
    if ((init.method ?? 'GET') === 'GET') {
      const page = this.pages[url];
      return page === undefined ? response(url, 404, 'not found') : response(url, 200, page, 'text/html');
    }
    if (url !== this.endpoint) return response(url, 404, 'not found');
    const body = init.body instanceof URLSearchParams ? init.body : new URLSearchParams(init.body ?? '');
    const m = Message.fromPostArgs(body);
    this.log.push(m.get(OPENID_NS, 'mode') ?? '?');
    if (m.get(OPENID_NS, 'mode') === 'associate') return this.#associate(m);
    if (m.get(OPENID_NS, 'mode') === 'check_authentication') return this.#checkAuth(m);
    return response(url, 400, 'mode:error\nerror:bad mode\n');
  };

  #associate(m: Message): FetchResponse {
    if (this.#options.refuseAssociations) {
      return response(
        this.endpoint,
        400,
        'ns:http://specs.openid.net/auth/2.0\nerror_code:unsupported-type\nerror:Associations not supported\n',
      );
    }
    const assocType = m.get(OPENID_NS, 'assoc_type') as AssociationType;
    const sessionType = (m.get(OPENID_NS, 'session_type') ?? 'no-encryption') as SessionType;
    const secret = randomBytes(assocType === 'HMAC-SHA1' ? 20 : 32);
    const a = new Association({
      handle: `shared-${randomBytes(6).toString('hex')}`,
      secret,
      issued: this.#now(),
      lifetime: 3600,
      assocType,
    });
    this.shared.set(a.handle, a);
    const out = Message.create(m.version);
    out.update(OPENID_NS, {
      assoc_handle: a.handle,
      assoc_type: assocType,
      session_type: sessionType,
      expires_in: '3600',
    });
    out.update(OPENID_NS, answerDiffieHellman(sessionType, m.toOpenIDArgs(), secret));
    return response(this.endpoint, 200, out.toKVForm());
  }

  #checkAuth(m: Message): FetchResponse {
    const handle = m.get(OPENID_NS, 'assoc_handle') ?? '';
    const a = this.private.get(handle);
    const out = Message.create(m.version);
    if (!a) {
      out.set(OPENID_NS, 'is_valid', 'false');
    } else {
      const copy = m.clone().set(OPENID_NS, 'mode', 'id_res');
      out.set(OPENID_NS, 'is_valid', verifyMessageSignature(copy, a).ok ? 'true' : 'false');
      this.private.delete(handle); // one check per private handle: replays fail here too
    }
    const inv = m.get(OPENID_NS, 'invalidate_handle');
    if (inv && !this.shared.has(inv)) out.set(OPENID_NS, 'invalidate_handle', inv);
    return response(this.endpoint, 200, out.toKVForm());
  }

  /** The request message the relying party sent (from its redirect URL). */
  static request(redirectUrl: string): Message {
    return Message.fromQuery(redirectUrl);
  }

  /**
   * A positive assertion answering `request`: signed with the RP's shared
   * association when it sent a known handle, else with a private one.
   */
  assertion(
    request: Message,
    opts: {
      identity?: string;
      claimedId?: string;
      nonce?: string;
      signedKeys?: string[];
      edit?: (m: Message) => void;
    } = {},
  ): Message {
    const v2 = request.isOpenID2();
    const m = Message.create(v2 ? '2.0' : '1.1');
    m.set(OPENID_NS, 'mode', 'id_res');
    const identity = opts.identity ?? request.get(OPENID_NS, 'identity') ?? '';
    if (v2) {
      m.set(OPENID_NS, 'op_endpoint', this.endpoint);
      if (request.has(OPENID_NS, 'claimed_id')) {
        m.set(OPENID_NS, 'claimed_id', opts.claimedId ?? request.get(OPENID_NS, 'claimed_id') ?? '');
        m.set(OPENID_NS, 'identity', identity);
      }
      m.set(OPENID_NS, 'response_nonce', opts.nonce ?? makeNonce(this.#now()));
    } else {
      m.set(OPENID_NS, 'identity', identity);
    }
    m.set(OPENID_NS, 'return_to', request.get(OPENID_NS, 'return_to') ?? '');
    opts.edit?.(m);
    const handle = request.get(OPENID_NS, 'assoc_handle');
    let assoc = handle ? this.shared.get(handle) : undefined;
    if (!assoc) {
      assoc = new Association({
        handle: `private-${randomBytes(6).toString('hex')}`,
        secret: randomBytes(32),
        issued: this.#now(),
        lifetime: 3600,
        assocType: 'HMAC-SHA256',
      });
      this.private.set(assoc.handle, assoc);
      if (handle) m.set(OPENID_NS, 'invalidate_handle', handle);
    }
    return signMessage(m, assoc, opts.signedKeys ? { signedKeys: opts.signedKeys } : {});
  }

  /** The URL the browser arrives at with `assertion` (the return_to plus the fields). */
  static returnUrl(assertion: Message): string {
    return assertion.toURL(assertion.get(OPENID_NS, 'return_to') as string);
  }
}

/** A plain in-memory OpenIDStore for relying-party unit tests (the real stores have their own suite). */
export class TestStore implements OpenIDStore {
  readonly assocs = new Map<string, Association>();
  readonly nonces = new Set<string>();
  down = false;
  /** Fail only useNonce (the store went down between signature check and nonce). */
  nonceDown = false;
  constructor(readonly now: () => number = () => Math.floor(Date.now() / 1000)) {}
  #check(): void {
    if (this.down) throw new Error('store is down');
  }
  async storeAssociation(url: string, a: Association) {
    this.#check();
    this.assocs.set(`${url}\n${a.handle}`, a);
  }
  async getAssociation(url: string, handle?: string) {
    this.#check();
    const now = this.now();
    if (handle !== undefined) {
      const a = this.assocs.get(`${url}\n${handle}`);
      return a && !a.isExpired(now) ? a : null;
    }
    const all = [...this.assocs.entries()]
      .filter(([k, a]) => k.startsWith(`${url}\n`) && !a.isExpired(now))
      .map(([, a]) => a);
    return all.sort((x, y) => y.issued - x.issued)[0] ?? null;
  }
  async removeAssociation(url: string, handle: string) {
    this.#check();
    return this.assocs.delete(`${url}\n${handle}`);
  }
  async useNonce(url: string, ts: number, salt: string) {
    this.#check();
    if (this.nonceDown) throw new Error('store is down');
    const key = `${url}\n${ts}\n${salt}`;
    if (this.nonces.has(key)) return false;
    this.nonces.add(key);
    return true;
  }
  async cleanupNonces() {
    return 0;
  }
  async cleanupAssociations() {
    return 0;
  }
}

export { OPENID2_NS };
