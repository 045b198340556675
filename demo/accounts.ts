/**
 * The demo provider's user accounts and remembered "always allow" realms: in
 * a SQLite file (better-sqlite3, loaded only when the demo runs), or in memory
 * (`--store memory:`, which then needs no database driver at all).
 */
import { chmodSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hashPassword, verifyPassword } from './passwords.js';

/** What the demo knows of a user, offered as SReg / AX attributes. */
export interface DemoProfile {
  fullname: string;
  email: string;
  nickname: string;
}

export interface DemoAccount extends DemoProfile {
  username: string;
}

/** Usernames become identity URL path segments: keep them plain. */
export const USERNAME_RE = /^[a-z0-9][a-z0-9_-]{1,31}$/;

interface Db {
  exec(sql: string): void;
  prepare(sql: string): {
    run(...args: unknown[]): { changes: number };
    get(...args: unknown[]): unknown;
    all(...args: unknown[]): unknown[];
  };
  pragma(s: string): unknown;
  close(): void;
}

/**
 * better-sqlite3, or an error that says what to do: the demo keeps accounts in
 * SQLite unless it runs with `--store memory:`, and the driver is an optional
 * peer dependency a user's project may not have.
 */
function loadBetterSqlite3(): new (p: string) => Db {
  try {
    return createRequire(import.meta.url)('better-sqlite3') as new (
      p: string,
    ) => Db;
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw e;
    throw new Error(
      'the demo keeps its accounts in SQLite, which needs the better-sqlite3 package: ' +
        'run `npm install better-sqlite3`, or start the demo with `--store memory:` (accounts in memory, nothing to install)',
      { cause: e },
    );
  }
}

/** Accounts and trusted realms of the demo provider, wherever they are kept. */
export interface DemoAccountBook {
  /** Create an account; false when the username is taken. Throws on an invalid username or password. */
  create(username: string, password: string, profile: DemoProfile): Promise<boolean>;
  /** The account when the password matches, else null. */
  authenticate(username: string, password: string): Promise<DemoAccount | null>;
  get(username: string): DemoAccount | null;
  isTrusted(username: string, realm: string): boolean;
  trust(username: string, realm: string): void;
  /** Forget a remembered site (the user revoked it): it asks again next time. */
  untrust(username: string, realm: string): void;
  /** The realms a user trusts, sorted. */
  trustedRealms(username: string): string[];
  close(): void;
}

/** Throws when a new account's username or password is not acceptable. */
function checkNewAccount(username: string, password: string): void {
  if (!USERNAME_RE.test(username)) throw new Error('username must be 2-32 of a-z, 0-9, _ and -');
  if (password.length < 8 || password.length > 1024) throw new Error('password must be 8 to 1024 characters');
}

/** The profile as stored: each field cut to its length limit. */
function boundedProfile(profile: DemoProfile): DemoProfile {
  return {
    fullname: profile.fullname.slice(0, 200),
    email: profile.email.slice(0, 200),
    nickname: profile.nickname.slice(0, 64),
  };
}

/** Accounts and trusted realms in memory: gone when the demo stops. */
export class MemoryDemoAccounts implements DemoAccountBook {
  readonly #accounts = new Map<string, DemoAccount & { password: string }>();
  readonly #trusted = new Set<string>();

  async create(username: string, password: string, profile: DemoProfile): Promise<boolean> {
    checkNewAccount(username, password);
    if (this.#accounts.has(username)) return false;
    const hash = await hashPassword(password);
    // Checked again: another sign-up of the same name may have finished during the hash.
    if (this.#accounts.has(username)) return false;
    this.#accounts.set(username, { username, password: hash, ...boundedProfile(profile) });
    return true;
  }

  async authenticate(username: string, password: string): Promise<DemoAccount | null> {
    const row = this.#accounts.get(username);
    if (!row || !(await verifyPassword(password, row.password))) return null;
    return this.get(username);
  }

  get(username: string): DemoAccount | null {
    const row = this.#accounts.get(username);
    if (!row) return null;
    return { username: row.username, fullname: row.fullname, email: row.email, nickname: row.nickname };
  }

  isTrusted(username: string, realm: string): boolean {
    return this.#trusted.has(JSON.stringify([username, realm]));
  }

  trust(username: string, realm: string): void {
    this.#trusted.add(JSON.stringify([username, realm]));
  }

  untrust(username: string, realm: string): void {
    this.#trusted.delete(JSON.stringify([username, realm]));
  }

  trustedRealms(username: string): string[] {
    return [...this.#trusted]
      .map((k) => JSON.parse(k) as [string, string])
      .filter(([u]) => u === username)
      .map(([, r]) => r)
      .sort();
  }

  close(): void {
    this.#accounts.clear();
    this.#trusted.clear();
  }
}

/** Accounts and trusted realms of the demo provider in a SQLite file. */
export class DemoAccounts implements DemoAccountBook {
  readonly #db: Db;

  constructor(path: string) {
    const Database = loadBetterSqlite3();
    const fresh = path !== ':memory:' && !existsSync(path);
    this.#db = new Database(path);
    if (fresh) chmodSync(path, 0o600);
    this.#db.pragma('journal_mode = WAL');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS demo_accounts (
        username TEXT PRIMARY KEY, password TEXT NOT NULL,
        fullname TEXT NOT NULL, email TEXT NOT NULL, nickname TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS demo_trusted_realms (
        username TEXT NOT NULL, realm TEXT NOT NULL, PRIMARY KEY (username, realm));`);
  }

  /** Create an account; false when the username is taken. Throws on an invalid username. */
  async create(username: string, password: string, profile: DemoProfile): Promise<boolean> {
    checkNewAccount(username, password);
    const hash = await hashPassword(password);
    const bounded = boundedProfile(profile);
    const r = this.#db
      .prepare(
        'INSERT OR IGNORE INTO demo_accounts (username, password, fullname, email, nickname) VALUES (?, ?, ?, ?, ?)',
      )
      .run(username, hash, bounded.fullname, bounded.email, bounded.nickname);
    return r.changes === 1;
  }

  /** The account when the password matches, else null. */
  async authenticate(username: string, password: string): Promise<DemoAccount | null> {
    const row = this.#db.prepare('SELECT * FROM demo_accounts WHERE username = ?').get(username) as
      | (DemoAccount & { password: string })
      | undefined;
    if (!row || !(await verifyPassword(password, row.password))) return null;
    return this.get(username);
  }

  get(username: string): DemoAccount | null {
    const row = this.#db
      .prepare('SELECT username, fullname, email, nickname FROM demo_accounts WHERE username = ?')
      .get(username) as DemoAccount | undefined;
    return row ?? null;
  }

  isTrusted(username: string, realm: string): boolean {
    return (
      this.#db
        .prepare('SELECT 1 FROM demo_trusted_realms WHERE username = ? AND realm = ?')
        .get(username, realm) !== undefined
    );
  }

  trust(username: string, realm: string): void {
    this.#db
      .prepare('INSERT OR IGNORE INTO demo_trusted_realms (username, realm) VALUES (?, ?)')
      .run(username, realm);
  }

  untrust(username: string, realm: string): void {
    this.#db.prepare('DELETE FROM demo_trusted_realms WHERE username = ? AND realm = ?').run(username, realm);
  }

  trustedRealms(username: string): string[] {
    const rows = this.#db
      .prepare('SELECT realm FROM demo_trusted_realms WHERE username = ? ORDER BY realm')
      .all(username) as { realm: string }[];
    return rows.map((r) => r.realm);
  }

  close(): void {
    this.#db.close();
  }
}
