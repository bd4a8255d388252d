import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EvidenceReporter } from '../../src/index.js';

const quiet = { warn() {}, error() {} };

describe('attack2: EvidenceReporter', () => {
  it('E1: forget(flag) on a new definition does not drop the pending (failed) batch: old-definition counts are sent later and pooled into the new one', async () => {
    const bodies: { flags: Record<string, unknown> }[] = [];
    let up = false;
    const server = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        if (!up) return res.writeHead(503).end();
        bodies.push(JSON.parse(data));
        res.writeHead(202, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const reporter = new EvidenceReporter({ url, key: 'k' }, { intervalMs: 3_600_000, logger: quiet });
    // Counts under definition 1 (a broken treatment).
    reporter.count('new-checkout', 'on', (a) => ((a.n += 500), (a.errors += 50)));
    await reporter.flush(); // server away: the batch stays pending
    reporter.forget('new-checkout'); // the operator's fix arrives: "its counts for the old one are not sent"
    up = true;
    await reporter.flush();
    reporter.close();
    server.close();
    console.log('sent after forget():', JSON.stringify(bodies));
    expect(bodies.flatMap((b) => Object.keys(b.flags))).not.toContain('new-checkout'); // FAILS
  });
});
