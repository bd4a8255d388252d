// Blue/green routing at the edge: `edge-origin` (a fractional flag) picks the origin per user, sticky
// through the sy_uid cookie; `edge-kill-switch` sends everyone back to blue. Shared by the Cloudflare
// Worker (worker.ts) and the Vercel Edge Function (vercel.ts).
import { EdgeFlags, type WaitUntil } from '@switchyard/edge';
import bootstrap from './flags.json';

export interface Env {
  /** The Switchyard server, e.g. https://flags.example.com */
  readonly FLAGS_URL: string;
  readonly FLAGS_KEY?: string;
  /** How long flags are served before revalidating; the kill switch takes at most this (+1 request). */
  readonly FLAGS_TTL_MS?: string;
  readonly BLUE_ORIGIN: string;
  readonly GREEN_ORIGIN: string;
}

// One per isolate: the snapshot outlives requests; each request only revalidates it after the TTL.
let flags: EdgeFlags | undefined;

const USER_COOKIE = /(?:^|;\s*)sy_uid=([\w-]{1,64})(?:;|$)/;

export async function route(request: Request, env: Env, ctx: WaitUntil): Promise<Response> {
  flags ??= new EdgeFlags({ url: env.FLAGS_URL, key: env.FLAGS_KEY, ttlMs: Number(env.FLAGS_TTL_MS ?? 5000), bootstrap });
  await flags.refresh(ctx);

  const known = USER_COOKIE.exec(request.headers.get('cookie') ?? '')?.[1];
  const user = known ?? crypto.randomUUID();
  const context = { targetingKey: user };
  const killed = flags.getBooleanValue('edge-kill-switch', false, context);
  const choice = flags.resolveStringEvaluation('edge-origin', 'blue', context);
  const color = !killed && choice.value === 'green' ? 'green' : 'blue';

  const url = new URL(request.url);
  const upstream = new URL(url.pathname + url.search, color === 'green' ? env.GREEN_ORIGIN : env.BLUE_ORIGIN);
  const answer = await fetch(new Request(upstream, request));
  const response = new Response(answer.body, answer);
  response.headers.set('x-origin', color);
  response.headers.set('x-flag', killed ? 'edge-kill-switch=on' : `edge-origin=${choice.variant ?? choice.value} (${choice.reason})`);
  if (!known) response.headers.append('set-cookie', `sy_uid=${user}; Path=/; Max-Age=31536000; HttpOnly; Secure; SameSite=Lax`);
  return response;
}
