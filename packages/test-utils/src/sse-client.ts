import { waitFor } from './wait.js';

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** A minimal SSE reader over fetch, so the tests see exactly the bytes a client would. */
export class SseClient {
  readonly events: SseEvent[] = [];
  /** `heartbeat` events, kept apart so `events` holds the documents only. */
  readonly heartbeats: SseEvent[] = [];
  readonly comments: string[] = [];
  retry?: number;
  private readonly controller = new AbortController();
  private done: Promise<void>;
  status?: number;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.done = this.run(url, headers).catch(() => undefined);
  }

  async next(count: number, what = `${count} events`): Promise<SseEvent[]> {
    await waitFor(() => this.events.length >= count, what);
    return this.events.slice(0, count);
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.done;
  }

  private async run(url: string, headers: Record<string, string>): Promise<void> {
    const res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: this.controller.signal });
    this.status = res.status;
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    let scanned = 0; // where the search for the next blank line resumes: large events stay linear
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n', scanned)) !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        scanned = 0;
        const event: SseEvent = { event: 'message', data: '' };
        let hasData = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
          else if (line.startsWith('retry: ')) this.retry = Number(line.slice(7));
          else if (line.startsWith('id: ')) event.id = line.slice(4);
          else if (line.startsWith('event: ')) event.event = line.slice(7);
          else if (line.startsWith('data: ')) {
            event.data += line.slice(6);
            hasData = true;
          }
        }
        if (hasData) (event.event === 'heartbeat' ? this.heartbeats : this.events).push(event);
      }
      scanned = Math.max(0, buffer.length - 1);
    }
  }
}
