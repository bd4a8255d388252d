// What a server sends is read with a cap in bytes, as it arrives, never whole (`res.text()`): a hostile
// or broken server (or proxy) can stream gigabytes within a timeout. Web Streams only: every runtime.

/**
 * The body as text, up to `max` bytes: past that the body is cancelled (the connection is released
 * and the server stops sending), `whole` is false and `text` is what came before.
 */
export async function readCapped(res: Response, max: number): Promise<[text: string, whole: boolean]> {
  const cut = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      controller.enqueue(chunk.subarray(0, max));
      if ((max -= chunk.length) < 0) controller.terminate();
    },
  });
  return [await new Response(res.body?.pipeThrough(cut)).text(), max >= 0];
}

/**
 * The most bytes one SSE event may take for a flag document of `maxDocument` bytes: the document, as
 * much again for the keys a change lists (each shorter than its flag's definition), 64 KiB of framing.
 */
export const eventCap = (maxDocument: number): number => 2 * maxDocument + 65_536;

/**
 * Passes an SSE body through, erroring it (which cancels the body) once more than `max` bytes arrived
 * since the last event's end — a blank line, with LF, CR or CRLF line ends as the SSE spec reads them.
 * An EventSource buffers an event until that blank line: an endless line, or endless `data:` lines,
 * would otherwise grow it without bound. `onOver` hears the error first.
 */
export function capEvents(max: number, onOver?: (error: Error) => void): TransformStream<Uint8Array, Uint8Array> {
  let count = 0;
  let lineStart = true;
  let afterCr = false; // an LF now is the second half of a CRLF
  let ended = false; // the last line end ended an event (until another byte comes)
  return new TransformStream({
    transform(chunk, controller) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        count++;
        if (byte === 10 && afterCr) {
          // the CR before it was the line end
        } else if (byte === 10 || byte === 13) {
          ended = lineStart;
          lineStart = true;
        } else {
          lineStart = ended = false;
        }
        afterCr = byte === 13;
        if (ended) count = 0;
        else if (count > max) {
          const error = new Error(`sent more than ${max} bytes in one event (the flag document limit and its framing); the last good definitions keep serving`);
          onOver?.(error);
          return controller.error(error);
        }
      }
      controller.enqueue(chunk);
    },
  });
}
