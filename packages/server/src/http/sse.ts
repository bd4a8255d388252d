import type { IncomingMessage, ServerResponse } from 'node:http';
import { SSE_EVENTS, type HeartbeatPayload, type SseEventName, type StreamPayload } from '@switchyard/core';
import type { Scope } from '../audience.js';
import type { Environment, Published } from '../environment.js';

interface Connection {
  readonly res: ServerResponse;
  readonly environment: string;
  readonly scope: Scope;
}

export interface StreamOptions {
  /**
   * A `heartbeat` event sent to every stream this often (and at once on connect, announcing the
   * interval): proxies keep the stream open, and clients tell a silent server from a quiet one (they
   * give up after three missed). Default 5,000 ms.
   */
  readonly heartbeatMs?: number;
  /** Reconnect delay suggested to clients (`retry:`); default 2,000 ms. */
  readonly retryMs?: number;
  /** A client this far behind (bytes buffered) is dropped rather than buffered forever; default 4 MiB. */
  readonly maxBufferedBytes?: number;

}

/** `id:` is the ETag without quotes: content-addressed, so resumption works across server restarts. */
const eventId = (etag: string) => etag.slice(1, -1);

/** Every event carries the whole document (small, and a client can never miss a step). */
function event(type: SseEventName, published: Published, scope: Scope, changed?: readonly string[]): string {
  const rep = published[scope];
  // The document's bytes are already serialised: spliced in rather than parsed and stringified again.
  const head: Omit<StreamPayload, 'document'> = { version: published.version, etag: rep.etag, ...(changed ? { changed } : {}) };
  const text = JSON.stringify(head);
  return `id: ${eventId(rep.etag)}\nevent: ${type}\ndata: ${text.slice(0, -1)},"document":${rep.body}}\n\n`;
}

/** The SSE side of the server: one set of open streams, fed by every environment's publications. */
export class StreamHub {
  private readonly connections = new Set<Connection>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly beat: string;
  private readonly snapshots = new WeakMap<Published, Partial<Record<Scope, Buffer>>>();

  constructor(private readonly options: StreamOptions = {}) {
    const intervalMs = options.heartbeatMs ?? 5000;
    const payload: HeartbeatPayload = { intervalMs };
    this.beat = `event: ${SSE_EVENTS.heartbeat}\ndata: ${JSON.stringify(payload)}\n\n`;
    this.heartbeat = setInterval(() => this.writeAll(this.beat), intervalMs);
    this.heartbeat.unref();
  }

  count(environment?: string, scope?: Scope): number {
    let n = 0;
    for (const c of this.connections) if ((!environment || c.environment === environment) && (!scope || c.scope === scope)) n++;
    return n;
  }

  /**
   * Opens a stream. With a `Last-Event-ID` equal to the current version's id nothing is re-sent; one
   * still in history gets a `change` naming every key changed since; otherwise a full `snapshot`.
   */
  open(req: IncomingMessage, res: ServerResponse, env: Environment, scope: Scope, lastEventId: string | undefined, headers: Record<string, string>): void {
    const published = env.current!;
    req.socket.setNoDelay(true);
    req.socket.setKeepAlive(true);
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    const connection: Connection = { res, environment: env.name, scope };
    this.connections.add(connection);
    res.on('close', () => this.connections.delete(connection));
    this.write(connection, `retry: ${this.options.retryMs ?? 2000}\n\n${this.beat}`);
    const current = eventId(published[scope].etag);
    if (lastEventId === current) return this.write(connection, ': up to date\n\n');
    const seen = lastEventId ? env.find(scope, `"${lastEventId}"`) : undefined;
    this.write(connection, seen ? event(SSE_EVENTS.change, published, scope, env.changedSince(scope, seen)) : this.snapshotOf(published, scope));
  }

  /**
   * A version's `snapshot` event, encoded once and shared: every stream that opens on it writes the
   * same bytes, so a crowd connecting at once (a reconnect storm) does not build a copy each.
   */
  private snapshotOf(published: Published, scope: Scope): Buffer {
    let events = this.snapshots.get(published);
    if (!events) this.snapshots.set(published, (events = {}));
    return (events[scope] ??= Buffer.from(event(SSE_EVENTS.snapshot, published, scope)));
  }

  /**
   * Sends a published version to every stream of its environment: one event per audience, encoded
   * once into a Buffer that every stream's queue shares (a thousand slow readers hold one copy, not a
   * thousand). Every event is a whole document, so a reader still holding the previous one is a
   * document behind: it is dropped rather than queued another (it reconnects and resumes with
   * `Last-Event-ID`, getting only the latest). So what slow readers pin is at most the two latest
   * versions of each audience's document, whatever their number.
   */
  publish(env: Environment, published: Published): void {
    const payloads: Partial<Record<Scope, Buffer>> = {};
    for (const c of this.connections) { // deleting the entry being visited is safe in a Set's iteration
      if (c.environment !== env.name) continue;
      if (published.unchanged[c.scope]) continue; // its audience's bytes are identical: nothing to send
      if (c.res.writableLength > 0) {
        this.drop(c);
        continue;
      }
      this.write(c, (payloads[c.scope] ??= Buffer.from(event(SSE_EVENTS.change, published, c.scope, published.changed[c.scope]))));
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const c of this.connections) c.res.end();
    this.connections.clear();
  }

  private writeAll(text: string): void {
    for (const c of this.connections) this.write(c, text);
  }

  private write(c: Connection, data: string | Buffer): void {
    // One event is always sent (a document may be larger than the cap); piling up behind it is not.
    if (c.res.writableLength > 0 && c.res.writableLength + data.length > (this.options.maxBufferedBytes ?? 4 * 1024 * 1024)) return this.drop(c);
    c.res.write(data);
  }

  private drop(c: Connection): void {
    c.res.destroy();
    this.connections.delete(c);
  }
}
