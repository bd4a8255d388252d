// What the type-checked snippets take from the reader's own application: their web framework, their
// worker's platform types, their components and services. Nothing a snippet could define itself (a
// user, a key) is here: snippets define those. Names an earlier snippet on the same page defines
// (`provider`, `client`, `snapshot`) are declared per snippet by scripts/docs-test.mjs, not here.

declare global {
  interface AppRequest { user: { id: string; email: string } }
  interface AppResponse { status(code: number): AppResponse; end(): void; render(view: string, locals?: object): void }
  /** An Express-style application. */
  const app: { post(path: string, handler: (req: AppRequest, res: AppResponse) => unknown): void };
  /** Cloudflare's worker types (@cloudflare/workers-types), as far as the snippets use them. */
  interface Env { FLAGS_URL: string; FLAGS_KEY?: string }
  interface ExecutionContext { waitUntil(promise: Promise<unknown>): void; passThroughOnException(): void }
  /** The reader's request handling. */
  function userIdFrom(request: Request): string;
  function newCheckout(request: Request): Promise<Response>;
  function oldCheckout(request: Request): Promise<Response>;
  /** The reader's React components. */
  function OnePageCheckout(): null;
  function ClassicCheckout(): null;
  /** The reader's services. */
  const analytics: { send(event: unknown): void };
  const metrics: { record(event: unknown): void };
  const alerting: { page(message: string): void };
  const elapsedMs: number;
}
export {};
