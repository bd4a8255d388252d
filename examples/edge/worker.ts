// Cloudflare Worker (module syntax). No compatibility flags needed: EdgeFlags uses fetch and caches only.
import { route, type Env } from './router.js';

export default {
  fetch: (request: Request, env: Env, ctx: ExecutionContext) => route(request, env, ctx),
};

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}
