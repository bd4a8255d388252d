import { describe, expect, it } from 'vitest';
import { RolloutGuard, SwitchyardConfigError, SwitchyardProvider } from '../src/index.js';

// A guard's options are checked when it is made, as the provider's are: a typo in where rollbacks go
// would otherwise show only as failed reports, once a rollout has gone wrong.
describe('RolloutGuard options', () => {
  const provider = () => new SwitchyardProvider({ source: { type: 'file', path: 'flags.json' } });
  // `evidence: false`: a guard that is made sends nothing (it is closed at once).
  const made = async (report: object) => {
    try {
      await new RolloutGuard(provider(), { flags: ['f'], report: report as never, evidence: false }).close();
      return undefined;
    } catch (e) {
      return e as Error;
    }
  };

  it('refuses a report URL without a scheme at construction, naming the URL to write', async () => {
    const error = await made({ url: 'localhost:8013', key: 'k' });
    expect(error).toBeInstanceOf(SwitchyardConfigError);
    expect(error!.message).toBe('invalid RolloutGuard options:\n  report.url "localhost:8013" has no scheme: use "http://localhost:8013"');
  });

  it('names every problem of the report target at once', async () => {
    expect((await made({ url: 'ftp://flags', key: 7, timeoutMs: 0, retries: -1, retryMs: Number.NaN }))!.message.split('\n').slice(1)).toEqual([
      '  report.url "ftp://flags" must be an http(s) URL, e.g. "http://127.0.0.1:8013"',
      '  report.key must be a string',
      '  report.timeoutMs must be a positive number of milliseconds',
      '  report.retryMs must be a positive number of milliseconds',
      '  report.retries must be a whole number, 0 or more',
    ]);
  });

  it('takes a good target, and none', async () => {
    expect(await made({ url: 'http://127.0.0.1:8013', key: 'k', retries: 0 })).toBeUndefined();
    await new RolloutGuard(provider(), { flags: ['f'] }).close();
  });
});
