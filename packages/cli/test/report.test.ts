import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSource, SwitchyardServer, silentLogger } from '@switchyard/server';
import { cli, EXAMPLES } from './helpers.js';
import { fileURLToPath } from 'node:url';

const TRAIL = fileURLToPath(new URL('./fixtures/trail.json', import.meta.url));
const NOW = '2026-12-01T00:00:00Z';

// A recorded trail of two replicas: five flag changes in November (each logged by both replicas where
// both loaded it), a fleet-guard rollback two minutes after its fault began (three minutes after the
// change), an operator's rollback ten minutes after a change, and two flags first served in August.
describe('switchyard report --trail', () => {
  it('gives the change failure rate, time to rollback, blast radius and flag ages of the trail', async () => {
    const r = await cli('report', '--trail', TRAIL, '--now', NOW, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({
      environment: 'production',
      changes: 5, // checkout added, checkout changed, banner ×2, legacy; the rollback's publication and each replica's first load are not changes
      failedChanges: 2, // checkout's change (rolled back 3 min later) and banner's second (10 min later)
      changeFailureRate: 0.4,
      rollbacks: 2,
      timeToRollback: { count: 2, meanSeconds: 360, p90Seconds: 600 }, // 120 s from the fault's start, 600 s from the change
      blastRadius: { rollbacks: 1, treatmentEvaluations: 1200, failedRequests: 60 },
    });
    expect(report.flags.map((f: { flag: string; ageDays: number; overLifespan: boolean }) => [f.flag, f.ageDays, f.overLifespan])).toEqual([
      ['banner', 122, true],
      ['legacy', 122, true],
      ['checkout', 20, false],
    ]);
  });

  it('prints it as text against the targets', async () => {
    const r = await cli('report', '--trail', TRAIL, '--now', NOW);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('MISS  change failure rate 40.0% (2 of 5 flag changes rolled back within a day; target < 5.0%)');
    expect(r.stdout).toContain('MISS  time to rollback: mean 6.0 min, p90 10.0 min over 2 rollbacks (target < 5.0 min)');
    expect(r.stdout).toContain('blast radius: 1200 treatment evaluations and 60 failed requests before 1 guard rollbacks');
    expect(r.stdout).toContain('WARN  banner is 122 days old (lifespan target 90 days): remove it');
  });

  it('a shorter period leaves out what came before it', async () => {
    const report = JSON.parse((await cli('report', '--trail', TRAIL, '--now', NOW, '--days', '7', '--json')).stdout);
    expect(report).toMatchObject({ changes: 2, failedChanges: 1, rollbacks: 1, timeToRollback: { count: 1, meanSeconds: 600 } });
  });

  it('refuses what is not a trail, and needs a source', async () => {
    expect((await cli('report', '--trail', fileURLToPath(new URL('../package.json', import.meta.url)))).stderr).toContain('is not an audit trail');
    expect((await cli('report')).code).toBe(2);
    expect((await cli('report', '--trail', TRAIL, '--days', '0')).stderr).toContain('--days must be');
  });
});

describe('switchyard report --url', () => {
  const KEY = 'srv-report-0123456789';
  let server: SwitchyardServer | undefined;
  afterEach(() => server?.close());

  it('refuses a URL without a scheme at once, naming the URL to write', async () => {
    expect(await cli('report', '--url', 'localhost:8013')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'switchyard: --url "localhost:8013" has no scheme: use "http://localhost:8013"\nrun "switchyard help" for usage\n',
    });
  });

  it("asks a real server; an --env the key is not for is refused with the server's reason", async () => {
    server = new SwitchyardServer({
      environments: [{ name: 'prod', source: new FileSource(join(EXAMPLES, 'flags.json')) }],
      access: { keys: [{ key: KEY, environment: 'prod', scope: 'server' }] },
      logger: silentLogger,
    });
    const url = await server.listen(0, '127.0.0.1');
    const ok = await cli('report', '--url', url, '--key', KEY, '--env', 'prod', '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ environment: 'prod' });
    expect(await cli('report', '--url', url, '--key', KEY, '--env', 'staging')).toMatchObject({
      code: 2,
      stderr: `switchyard: ${url}/v1/report answered 403: this key is for environment "prod", not "staging"\n`,
    });
  });

  it('an answer that breaks off is an I/O error (exit 2) with the reason, not a crash', async () => {
    const other = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      res.write('{"changes":', () => res.destroy());
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      const r = await cli('report', '--url', url);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^switchyard: ${url}/v1/report: the answer broke off: [^\n]+\n$`)); // Node: "other side closed"
    } finally {
      other.close();
    }
  });

  it('names an answer that is not a report, without the usage hint', async () => {
    const other = createServer((_req, res) => res.end('<html>a proxy</html>'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
      expect(await cli('report', '--url', url)).toMatchObject({ code: 2, stderr: `switchyard: ${url}/v1/report answered with no JSON: not a Switchyard server?\n` });
    } finally {
      other.close();
    }
  });
});
