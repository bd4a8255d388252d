import type { IncomingMessage, ServerResponse } from 'node:http';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.error ?? body.errorDetails ?? status));
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** A client's mistake: the error body in OFREP's shape (errorCode/errorDetails) or Switchyard's ({error}). */
export function clientError(status: number, message: string, ofrep: boolean, headers?: Record<string, string>): HttpError {
  return new HttpError(status, ofrep ? { errorCode: 'INVALID_CONTEXT', errorDetails: message } : { error: message }, headers);
}

/** Reads a JSON request body of at most `limit` bytes; an empty body reads as `{}`. */
export async function readJsonBody(req: IncomingMessage, ofrep: boolean, limit = 1024 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw clientError(413, `request body over ${limit} bytes`, ofrep, { Connection: 'close' });
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    // JSON.parse's message quotes the body back: say where, not what.
    throw clientError(400, 'request body is not valid JSON', ofrep);
  }
}

/** One path segment after `prefix`, percent-decoded; a malformed escape is the client's 400. */
export function segmentAfter(path: string, prefix: string, ofrep: boolean): string {
  try {
    return decodeURIComponent(path.slice(prefix.length));
  } catch {
    throw clientError(400, 'malformed percent-escape in the path', ofrep);
  }
}
