/**
 * What the code blocks of README.md and docs/*.md leave to the application,
 * declared here so the blocks typecheck (test/docs/code-blocks.test.ts): the
 * app's own functions, and values it has at hand (its framework app, its
 * configuration, the request being answered, a relying party or provider
 * built in an earlier block of the same guide). Nothing of the package is
 * declared here: a block imports what it uses from `openid2`.
 *
 * tsconfig.json excludes this file: its globals are for the blocks only, and
 * must not make an undeclared name in src/ or test/ typecheck.
 */
import type { Express } from 'express';
import type {} from 'express-session';
import type { Redis } from 'ioredis';
import type { CheckIDRequest, OPResponse, OpenIDStore, Provider, RelyingParty, SRegData } from 'openid2';
import type { OpenIDProfile, SteamVerify, VerifyDone } from 'openid2/passport';
import type { Pool } from 'pg';

declare global {
  // --- The application's configuration and framework ---
  const app: Express;
  const realm: string;
  const returnTo: string;
  const returnURL: string;
  const secret: string;
  const apiKey: string;
  const store: OpenIDStore;
  const connectionString: string;
  const pool: Pool;
  const redis: Redis;
  /** A relying party and a provider, as an earlier block of the guide builds them. */
  const rp: RelyingParty;
  const op: Provider;

  // --- The request being answered ---
  /** The incoming request (Web API). */
  const request: Request;
  /** Its query (GET) or form body (POST). */
  const params: URLSearchParams;
  /** What the user typed as their OpenID. */
  const identifier: string;
  /** The full URL of the return request, and a parsed one. */
  const fullRequestUrl: string;
  const callbackUrl: URL;
  /** The login state kept at begin (an HttpOnly cookie), when the browser sent it back. */
  const cookieValue: string | undefined;
  const stateCookie: string | undefined;
  /** A session id carried in the URL (a site without cookies). */
  const sessionIdFromUrl: string;
  /** The posted form of a return request (providers may POST), or null for GET. */
  const postedBodyOrNull: URLSearchParams | null;

  // --- At the provider ---
  /** The checkid request being decided, the answer being built, and the user's identity URL. */
  const checkid: CheckIDRequest;
  const response: OPResponse;
  const myIdentityUrl: string;
  const identity: string;
  const mine: string;
  /** The signed-in user's profile, by SReg field name. */
  const profile: SRegData;

  // --- The application's own functions ---
  function signIn(claimedId: string, nickname?: string | null): void;
  function showMessage(text: string): void;
  function redirect(url: string): void;
  function sendHtml(html: string): void;
  function redirectToBeginWithoutImmediate(): void;
  function log(...values: unknown[]): void;
  function send(web: { status: number; headers: Record<string, string>; body: string }): Response;
  function userTrusts(realm: string): boolean;
  function showHomePage(): Response;
  function findOrCreateUser(identifier: string, profile: OpenIDProfile, done: VerifyDone): void;
  function identifierOf(sub: string): Promise<string | null>;
  function login(request: Request): Promise<Response>;
  /** The verify callback of a Passport strategy, written in an earlier block. */
  const verify: SteamVerify;
  const users: { linkOpenIDConnect(openid2Id: string, issuer: string, subject: string): Promise<void> };
}

declare module 'express-session' {
  /** What the guides keep in an Express session. */
  interface SessionData {
    user: unknown;
    steamState: string;
  }
}
