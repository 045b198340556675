/**
 * The Hono example as a Cloudflare Worker (workerd): the app is built on the
 * first request, from the Worker's bindings (`wrangler.toml` [vars] /
 * secrets: BASE_URL, OPENID2_SECRET, ALLOWED_PROVIDERS, …).
 */
import type { Hono } from 'hono';
import { createApp, fromEnv } from './app.js';

let app: Hono | undefined;

export default {
  fetch(request: Request, env: Record<string, string | undefined>): Response | Promise<Response> {
    app ??= createApp(fromEnv(env));
    return app.fetch(request, env);
  },
};
