import type { ServerResponse } from 'node:http';

/** One answer a server sends without end: the bytes written so far, and whether the client closed it. */
export interface Flood {
  sent: number;
  closed: boolean;
}

/**
 * Writes `chunk` to `res` until the client closes the connection (a hostile or broken server), as fast
 * as the socket takes it.
 */
export function flood(res: ServerResponse, chunk: string): Flood {
  const state: Flood = { sent: 0, closed: false };
  res.on('close', () => (state.closed = true));
  const pump = () => {
    while (!state.closed) {
      state.sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
  };
  pump();
  return state;
}
