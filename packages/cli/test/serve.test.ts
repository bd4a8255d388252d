import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@switchyard/test-utils';
import { cli } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/switchyard.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../../examples/flags.json', import.meta.url));

describe('switchyard serve', () => {
  it('prints a banner, logs each reload by key, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-serve-'));
    const file = join(dir, 'flags.json');
    writeFileSync(file, readFileSync(EXAMPLE));
    const child = spawn(process.execPath, [BIN, 'serve', file, '--port', '0', '--store', 'memory'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(() => out.includes('listening on'), 'the banner', 8000);
      const banner = out.split('\n').find((l) => l.includes('listening on'))!;
      expect(banner).toMatch(/^switchyard listening on http:\/\/127\.0\.0\.1:\d+ serving default \(6 flags\) — open access, no --keys; state in memory only$/);
      const url = banner.match(/http:\/\/[\d.:]+/)![0];
      expect((await fetch(`${url}/v1/flags`)).status).toBe(200);

      const doc = JSON.parse(readFileSync(file, 'utf8'));
      doc.flags['new-checkout'].state = 'DISABLED';
      writeFileSync(`${file}.tmp`, JSON.stringify(doc));
      renameSync(`${file}.tmp`, file);
      await waitFor(() => /\[default\] v2 from file:.*: 6 flags; changed new-checkout/.test(out), 'the reload log line', 8000);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(out).toContain('switchyard stopped');
  });

  it('applies the limits given on the command line (--max-streams: 503 beyond it)', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', EXAMPLE, '--port', '0', '--store', 'memory', '--max-streams', '1', '--headers-timeout', '2000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const first = new AbortController();
    try {
      await waitFor(() => out.includes('listening on'), 'the banner', 8000);
      const url = out.match(/http:\/\/[\d.:]+/)![0];
      expect((await fetch(`${url}/v1/stream`, { signal: first.signal })).status).toBe(200);
      const second = await fetch(`${url}/v1/stream`);
      expect(second.status).toBe(503);
      expect(second.headers.get('retry-after')).toBe('30');
    } finally {
      first.abort();
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('under a low open-file limit, clients holding every connection never starve the server of its own files (no EMFILE)', async () => {
    const { connect } = await import('node:net');
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-serve-'));
    const file = join(dir, 'flags.json');
    writeFileSync(file, readFileSync(EXAMPLE));
    // A soft limit of 300 descriptors (lowering it needs no privilege); slow-loris clients try to hold 400.
    const child = spawn('bash', ['-c', `ulimit -n 300 && exec "${process.execPath}" "${BIN}" serve "${file}" --port 0 --headers-timeout 60000`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const sockets: import('node:net').Socket[] = [];
    try {
      await waitFor(() => out.includes('listening on'), 'the banner', 8000);
      const port = Number(out.match(/http:\/\/127\.0\.0\.1:(\d+)/)![1]);
      for (let i = 0; i < 400; i++) {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // and never the blank line
        sockets.push(socket);
      }
      await waitFor(() => sockets.every((s) => s.readyState === 'open' || s.destroyed), 'the connections made or refused');
      const doc = JSON.parse(readFileSync(file, 'utf8'));
      doc.flags['new-checkout'].state = 'DISABLED';
      writeFileSync(`${file}.tmp`, JSON.stringify(doc));
      renameSync(`${file}.tmp`, file);
      await waitFor(() => /v2 from file:.*changed new-checkout/.test(out), 'the edit read and published', 8000);
      expect(out).not.toContain('EMFILE');
    } finally {
      for (const s of sockets) s.destroy();
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('refuses to listen beyond loopback without keys', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', EXAMPLE, '--host', '0.0.0.0', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain('refusing to serve on 0.0.0.0 without --keys');
  });

  it('refuses a URL option without a scheme before starting, naming the URL to write', async () => {
    for (const [option, value, fix] of [['--agent-url', 'localhost:2772', 'http://localhost:2772'], ['--appconfig-endpoint', 'appconfig.example.com', 'https://appconfig.example.com']]) {
      expect(await cli('serve', 'appconfig-agent:app/env/profile', '--store', 'memory', '--port', '0', option, value)).toEqual({
        code: 2,
        stdout: '',
        stderr: `switchyard: ${option} ${JSON.stringify(value)} has no scheme: use "${fix}"\nrun "switchyard help" for usage\n`,
      });
    }
  });

  it('reports a bad keys file with where the problem is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-keys-'));
    const keys = join(dir, 'keys.json');
    writeFileSync(keys, JSON.stringify({ keys: [{ key: 'short', environment: 'prod', scope: 'admin' }] }));
    const child = spawn(process.execPath, [BIN, 'serve', EXAMPLE, '--keys', keys, '--port', '0', '--store', 'memory'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(2);
    expect(err).toContain('keys[0].key: use at least 16 characters');
    expect(err).toContain('keys[0].scope: must be "server" or "client"');
    expect(err).toContain('keys[0].environment: must be one of default, not "prod"');
  });

  it('keeps rollbacks and the audit trail across a restart in --data (embedded PostgreSQL), and names a store it cannot use', async () => {
    const data = mkdtempSync(join(tmpdir(), 'switchyard-data-'));
    const run = async (then: (url: string) => Promise<void>) => {
      const child = spawn(process.execPath, [BIN, 'serve', EXAMPLE, '--port', '0', '--data', data, '--replica', 'one'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      const exited = new Promise((resolve) => child.on('exit', resolve));
      try {
        await waitFor(() => out.includes('listening on'), 'the banner', 30_000);
        expect(out).toContain(`state in embedded PostgreSQL in ${join(data, 'embedded')}`);
        await then(out.match(/listening on (http:\/\/[\d.:]+)/)![1]);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    };
    const checkout = async (url: string) => (await (await fetch(`${url}/v1/flags`)).json()).flags['new-checkout'];
    await run(async (url) => {
      expect((await checkout(url)).targeting).toBeDefined();
      const res = await fetch(`${url}/v1/rollbacks`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ flag: 'new-checkout', variant: 'off', reason: 'errors' }) });
      expect(res.status).toBe(201);
    });
    await run(async (url) => {
      expect(await checkout(url)).toMatchObject({ defaultVariant: 'off', metadata: { rolledBack: expect.stringContaining('errors') } });
      expect((await checkout(url)).targeting).toBeUndefined();
      const trail = async () => ((await (await fetch(`${url}/v1/changes`)).json()).changes as { outcome: string; replica: string }[]).map((c) => `${c.replica}:${c.outcome}`);
      await waitFor(async () => (await trail()).length === 4, "the restart's load written");
      expect(await trail()).toEqual(['one:applied', 'one:rollback', 'one:applied', 'one:applied']);
    });

    const refused = async (args: string[], message: string) => {
      const child = spawn(process.execPath, [BIN, 'serve', EXAMPLE, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(2);
      expect(err).toContain(message);
    };
    await refused(['--data', EXAMPLE], 'cannot use the store: ENOTDIR'); // a file, not a directory
    await refused(['--store', 'mysql://root:hunter2@db/flags'], 'a store is postgres://USER@HOST:PORT/DB or memory, not mysql://root@db/flags');
    await refused(['--store', 'memory', '--replica', 'a b'], '--replica must be');
  });
});
