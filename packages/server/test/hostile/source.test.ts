import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, waitFor, writeAtomically } from '@switchyard/test-utils/node';
import { FileSource, SwitchyardServer } from '../../src/index.js';

// An unlucky operator's flag file: broken and reverted, replaced by a directory. Status must stay
// truthful and the logs and audit readable: one line per incident, not one per poll.

const KEY = 'srv-production-0123456789';
const DOC = { flags: { banner: { state: 'ENABLED', variants: { a: 'Hello' }, defaultVariant: 'a' } } };

const running: SwitchyardServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function serve() {
  const file = join(tempDir(), 'flags.json');
  writeFileSync(file, JSON.stringify(DOC));
  const logs: string[] = [];
  const server = new SwitchyardServer({
    environments: [{ name: 'production', source: new FileSource(file, { debounceMs: 5, pollIntervalMs: 50 }) }],
    access: { keys: [{ key: KEY, environment: 'production', scope: 'server' }] },
    logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    staleAfterMs: 300,
  });
  running.push(server);
  const url = await server.listen(0, '127.0.0.1');
  const get = async (path: string) => (await fetch(url + path, { headers: { Authorization: `Bearer ${KEY}` } })).json();
  return { file, logs, url, ready: async () => (await get('/readyz')).environments.production, audit: async () => (await get('/v1/changes')).changes as { outcome: string }[] };
}

describe('the flag file under an unlucky operator', () => {
  it('a broken edit then reverted: lastError clears, and the recovery is logged and audited once', async () => {
    const server = await serve();
    const good = readFileSync(server.file, 'utf8');
    writeAtomically(server.file, '{"flags": 1}');
    await waitFor(async () => (await server.ready()).lastError, 'the rejection');
    writeAtomically(server.file, good); // what `git revert` produces: the last good bytes
    await waitFor(async () => !(await server.ready()).lastError, 'lastError cleared');
    expect((await server.audit()).map((c) => c.outcome)).toEqual(['applied', 'rejected', 'recovered']);
    expect(server.logs.filter((l) => l.includes('is valid again: serving v1'))).toHaveLength(1);
  });

  it('a path that cannot be read (a directory in its place) is one incident: logged once, never audited as a rejected document', async () => {
    const server = await serve();
    rmSync(server.file);
    mkdirSync(server.file); // EISDIR at every poll, every 50 ms
    await waitFor(async () => (await server.ready()).unreachable, 'unreachable after 300 ms of failing polls');
    expect((await server.ready()).unreachable.message).toContain('EISDIR');
    rmSync(server.file, { recursive: true });
    writeFileSync(server.file, JSON.stringify(DOC));
    await waitFor(async () => !(await server.ready()).unreachable, 'readable again');
    expect(server.logs.filter((l) => l.includes('EISDIR'))).toHaveLength(1);
    const metrics = await (await fetch(server.url + '/metrics')).text();
    expect(Number(/switchyard_reloads_total\{environment="production",outcome="unreachable"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3); // counted, every poll
    expect((await server.audit()).filter((c) => c.outcome === 'rejected')).toEqual([]);
  });
});
