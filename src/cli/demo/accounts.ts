/**
 * The demo provider's user accounts and remembered "always allow" realms, in
 * a SQLite file (better-sqlite3, loaded only when the demo runs).
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
  };
  pragma(s: string): unknown;
  close(): void;
}

/** Accounts and trusted realms of the demo provider. */
export class DemoAccounts {
  readonly #db: Db;

  constructor(path: string) {
    const require = createRequire(import.meta.url);
    const Database = require('better-sqlite3') as new (p: string) => Db;
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
    if (!USERNAME_RE.test(username)) throw new Error('username must be 2-32 of a-z, 0-9, _ and -');
    if (password.length < 8 || password.length > 1024)
      throw new Error('password must be 8 to 1024 characters');
    const hash = await hashPassword(password);
    const r = this.#db
      .prepare(
        'INSERT OR IGNORE INTO demo_accounts (username, password, fullname, email, nickname) VALUES (?, ?, ?, ?, ?)',
      )
      .run(
        username,
        hash,
        profile.fullname.slice(0, 200),
        profile.email.slice(0, 200),
        profile.nickname.slice(0, 64),
      );
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

  close(): void {
    this.#db.close();
  }
}
