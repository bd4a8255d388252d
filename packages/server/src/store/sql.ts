/** One statement with `$1…` parameters; the rows it returns. */
export type Query = <R = Record<string, unknown>>(text: string, params?: readonly unknown[]) => Promise<R[]>;

/**
 * What the state store needs from a PostgreSQL connection: queries, transactions and notifications.
 * Implemented over `pg` (a server, for replicas) and PGlite (embedded, one process): the same SQL runs
 * on both.
 */
export interface SqlClient {
  /** Where the data lives, for logs (never with a password). */
  readonly description: string;
  readonly query: Query;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (query: Query) => Promise<T>): Promise<T>;
  /**
   * Delivers `NOTIFY channel` payloads to `onMessage` until the connection is lost, when `onLost` is
   * called once; call again to listen anew. Rejects when the database cannot be reached.
   */
  listen(channel: string, onMessage: (payload: string) => void, onLost: (error: Error) => void): Promise<void>;
  close(): Promise<void>;
}

/**
 * Whether a failed statement may succeed if tried again — the database is away, restarting, out of
 * space or connections, a privilege is missing, a transaction lost a race: an operator can fix all of
 * these, and the write must land then — rather than never: the data itself is refused (SQLSTATE
 * classes 22 data exception, 23 integrity, 54 program limit) or our own code cannot handle a value.
 * Other errors without a SQLSTATE (refused or reset sockets, timeouts) are connectivity.
 */
export function isTransient(error: unknown): boolean {
  // A bug of ours (a value the code cannot handle) will fail the same way every time.
  if (error instanceof TypeError || error instanceof SyntaxError || error instanceof RangeError || error instanceof ReferenceError) return false;
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return !/^(22|23|54)/.test(code);
}
