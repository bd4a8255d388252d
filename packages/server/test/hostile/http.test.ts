import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor } from '@switchyard/test-utils/node';
import { FileSource, SwitchyardServer, type HttpLimits } from '../../src/index.js';
import { connectionsWithinFileLimit } from '../../src/server.js';

// The HTTP boundary under a hostile client: a real server on 127.0.0.1 spoken to in raw bytes where
// fetch would refuse to send them. Nothing a client sends may crash it, hang it, or leak a rule.

const SERVER_KEY = 'srv-production-0123456789';
const CLIENT_KEY = 'cli-production-0123456789';
const SECRET = '^(jane\\.ceo|bob\\.cfo)@board-secret\\.example(?=$)';
const DOC = {
  flags: {
    banner: { state: 'ENABLED', variants: { a: 'Hello', b: 'Hi' }, defaultVariant: 'a', metadata: { clientSide: true } },
    // Neither clientSide nor serverOnly: client keys may evaluate it over OFREP, never see its rule.
    board: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', targeting: { if: [{ regex_match: [{ var: 'email' }, SECRET] }, 'on', 'off'] } },
  },
};

const running: SwitchyardServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function serve(options: { open?: boolean; limits?: Partial<HttpLimits> } = {}) {
  const file = join(tempDir(), 'flags.json');
  writeFileSync(file, JSON.stringify(DOC));
  const logs: string[] = [];
  const server = new SwitchyardServer({
    environments: [{ name: 'production', source: new FileSource(file) }],
    access: options.open
      ? undefined
      : { keys: [{ key: SERVER_KEY, environment: 'production', scope: 'server' }, { key: CLIENT_KEY, environment: 'production', scope: 'client' }], corsOrigins: ['https://shop.example'] },
    logger: { info: () => undefined, warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    limits: options.limits,
  });
  running.push(server);
  const url = await server.listen(0, '127.0.0.1');
  return { server, url, port: Number(new URL(url).port), logs };
}

/** Sends raw bytes and resolves with whatever came back before the server closed (or `waitMs` passed). */
function raw(port: number, bytes: string, waitMs = 2000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (d) => {
      answer += d.toString('latin1');
      if (/\r\n\r\n/.test(answer)) {
        const length = /content-length: (\d+)/i.exec(answer)?.[1];
        if (length === undefined || answer.length >= answer.indexOf('\r\n\r\n') + 4 + Number(length)) done();
      }
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(bytes, 'latin1');
  });
}

const statusOf = (answer: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
const healthy = async (url: string) => (await fetch(`${url}/healthz`)).status === 200;

describe('the HTTP boundary under hostile requests', () => {
  it('answers malformed request targets with 400 and stays up (no unhandled rejection)', async () => {
    const { url, port, logs } = await serve();
    for (const target of ['http://h:99999/x', 'http://[::1/v1/flags', 'http://%zz/', '//[', 'http://a b/']) {
      const answer = await raw(port, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      expect(statusOf(answer), target).toBe(400);
      expect(await healthy(url)).toBe(true);
    }
    expect(logs.filter((l) => l.includes('internal error'))).toEqual([]);
  });

  it('answers malformed percent-escapes with 400, never a stack trace', async () => {
    const { url, logs } = await serve();
    const headers = { Authorization: `Bearer ${SERVER_KEY}`, 'Content-Type': 'application/json' };
    const ofrep = await fetch(`${url}/ofrep/v1/evaluate/flags/%E0%A4%A`, { method: 'POST', headers, body: '{}' });
    expect(ofrep.status).toBe(400);
    expect(await ofrep.json()).toEqual({ errorCode: 'INVALID_CONTEXT', errorDetails: 'malformed percent-escape in the path' });
    expect((await fetch(`${url}/v1/rollbacks/%ZZ`, { method: 'DELETE', headers })).status).toBe(400);
    expect(logs.filter((l) => /internal error|\n\s+at /.test(l))).toEqual([]);
  });

  it('OPTIONS only on real routes, HEAD on the stream is 405, the Bearer scheme is case-insensitive', async () => {
    const { url } = await serve();
    expect((await fetch(`${url}/nowhere`, { method: 'OPTIONS' })).status).toBe(404);
    const preflight = await fetch(`${url}/v1/flags`, { method: 'OPTIONS', headers: { Origin: 'https://shop.example' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    const head = await fetch(`${url}/v1/stream`, { method: 'HEAD', headers: { Authorization: `Bearer ${SERVER_KEY}` } });
    expect(head.status).toBe(405);
    expect(head.headers.get('allow')).toBe('GET');
    expect((await fetch(`${url}/v1/flags`, { headers: { Authorization: `bearer ${SERVER_KEY}` } })).status).toBe(200);
    expect((await fetch(`${url}/v1/flags`, { headers: { Authorization: `BEARER   ${SERVER_KEY}` } })).status).toBe(200);
  });

  it('takes ?key= only where EventSource needs it (GET of flags and stream), never to change state', async () => {
    const { url } = await serve();
    expect((await fetch(`${url}/v1/flags?key=${SERVER_KEY}`)).status).toBe(200);
    const post = await fetch(`${url}/v1/rollbacks?key=${SERVER_KEY}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ flag: 'banner', variant: 'b' }) });
    expect(post.status).toBe(401);
    expect((await fetch(`${url}/v1/rollbacks?key=${SERVER_KEY}`)).status).toBe(401);
  });

  it('an open server refuses rollbacks a web page could forge: a foreign Origin, or a body that is not JSON', async () => {
    const { url } = await serve({ open: true });
    const forged = await fetch(`${url}/v1/rollbacks`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify({ flag: 'banner', variant: 'b' }) });
    expect(forged.status).toBe(415);
    const foreign = await fetch(`${url}/v1/rollbacks`, { method: 'POST', headers: { 'Content-Type': 'application/json', Origin: 'https://evil.example' }, body: JSON.stringify({ flag: 'banner', variant: 'b' }) });
    expect(foreign.status).toBe(403);
    expect((await fetch(`${url}/v1/rollbacks/banner`, { method: 'DELETE', headers: { Origin: 'https://evil.example' } })).status).toBe(403);
    expect((await (await fetch(`${url}/v1/rollbacks`)).json()).rollbacks).toEqual([]);
    const local = await fetch(`${url}/v1/rollbacks`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ flag: 'banner', variant: 'b' }) });
    expect(local.status).toBe(201); // a developer's own curl or guard
  });

  it('never sends a rule to a client key, not even in an OFREP error', async () => {
    const { url } = await serve();
    const ask = async (key: string, path = '/ofrep/v1/evaluate/flags/board') =>
      (await fetch(url + path, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ context: { email: 'a@b.c' } }) })).text();
    const one = await ask(CLIENT_KEY);
    const all = await ask(CLIENT_KEY, '/ofrep/v1/evaluate/flags');
    expect(JSON.parse(one)).toEqual({ key: 'board', errorCode: 'PARSE_ERROR', errorDetails: "flag 'board' could not be evaluated (PARSE_ERROR)" });
    for (const text of [one, all]) expect(text).not.toContain('board-secret');
    expect(await ask(SERVER_KEY)).toContain('board-secret'); // the server key's owner may debug it
    const readyz = await (await fetch(`${url}/readyz`)).text();
    expect(readyz).not.toContain('board');
  });

  it('closes a connection that never finishes its headers (slow-loris) within seconds', async () => {
    const { url, port } = await serve({ limits: { headersTimeoutMs: 500 } });
    const socket = connect(port, '127.0.0.1');
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.resume(); // read, so the server's FIN is seen
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    await waitFor(() => closed, 'the half-open connection closed', 5000);
    expect(await healthy(url)).toBe(true);
  });

  it('caps SSE streams per environment: 503 with Retry-After beyond the limit', async () => {
    const { url } = await serve({ limits: { maxStreamsPerEnvironment: 1 } });
    const first = new AbortController();
    const open = await fetch(`${url}/v1/stream`, { headers: { Authorization: `Bearer ${CLIENT_KEY}` }, signal: first.signal });
    expect(open.status).toBe(200);
    const refused = await fetch(`${url}/v1/stream`, { headers: { Authorization: `Bearer ${CLIENT_KEY}` } });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('30');
    first.abort();
  });

  it('an aborted upload is not an internal error', async () => {
    const { url, port, logs } = await serve();
    await raw(port, `POST /ofrep/v1/evaluate/flags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${SERVER_KEY}\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"context":`, 200);
    expect(await healthy(url)).toBe(true);
    expect(logs.filter((l) => l.includes('internal error'))).toEqual([]);
  });

  it('survives fuzzed request lines, headers and escapes: every answer is a status, /healthz after each', async () => {
    const { url, port, logs } = await serve();
    const targetArb = fc.oneof(
      fc.constantFrom('/v1/flags', '/v1/stream', '/ofrep/v1/evaluate/flags', '/v1/rollbacks/', '/readyz', '*', 'http://x/'),
      fc.string({ maxLength: 40 }).map((s) => `/${s}`),
      fc.array(fc.constantFrom('%', 'E0', '%A4', '%zz', '[', ']', ':', '::1', '/', '..', '?', '#', '\u00ff', '%00', 'v1', 'flags'), { maxLength: 12 }).map((parts) => `/${parts.join('')}`),
    );
    const headerArb = fc.array(
      fc.oneof(
        fc.constantFrom(`Authorization: Bearer ${SERVER_KEY}`, 'Authorization: bearer', 'Authorization: Basic x', `X-API-Key: ${CLIENT_KEY}`, 'Content-Length: 3', 'Content-Length: -1', 'Transfer-Encoding: chunked', 'Origin: https://evil.example', 'Last-Event-ID: "x"', 'If-None-Match: *'),
        fc.tuple(fc.stringMatching(/^[A-Za-z-]{1,12}$/), fc.string({ maxLength: 30 })).map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, '')}`),
      ),
      { maxLength: 5 },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'HEAD', 'POST', 'DELETE', 'OPTIONS', 'PUT', 'BREW'), targetArb, headerArb, fc.string({ maxLength: 20 }), async (method, target, headers, body) => {
        const request = `${method} ${target.replace(/[\s]/g, '')} HTTP/1.1\r\nHost: x\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n${body}`;
        const answer = await raw(port, request, 1000);
        const status = statusOf(answer);
        // A stream may stay open (200) until our timeout; everything else answers with a status.
        expect(status === 0 ? answer : status).not.toBe(500);
        expect(await healthy(url)).toBe(true);
      }),
      { numRuns: 150 },
    );
    expect(logs.filter((l) => l.includes('internal error'))).toEqual([]);
  });

  it('keeps file descriptors for its own files: connections stay below the open-file limit', () => {
    const limits = (soft: number) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 ${soft * 2}                files\n`;
    expect(connectionsWithinFileLimit(20_000, limits(600))).toBe(472);
    expect(connectionsWithinFileLimit(20_000, limits(1_048_576))).toBe(20_000);
    expect(connectionsWithinFileLimit(5_000, undefined)).toBe(5_000); // not Linux: as configured
  });
});
