import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fractionalVectors } from '@switchyard/test-utils/node';
import { BIN, cli, dir, EXAMPLES, file } from './helpers.js';

describe('switchyard validate', () => {
  it('exits 0 for a valid file', async () => {
    expect(await cli('validate', join(EXAMPLES, 'flags.json'))).toMatchObject({ code: 0, stdout: expect.stringContaining('valid, 6 flags') });
  });

  it('prints every error with its JSON path and exits 1', async () => {
    const bad = file('bad.json', { flags: { a: { state: 'ON', variants: { on: true }, defaultVariant: 'off' } } });
    const r = await cli('validate', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('flags.a.state: must be "ENABLED" or "DISABLED", not "ON"');
    expect(r.stderr).toContain('flags.a.defaultVariant: names no variant: "off" (variants: on)');
  });

  it('reports invalid targeting with its path and exits 1', async () => {
    const bad = file('rule.json', { flags: { a: { state: 'ENABLED', variants: { on: true }, targeting: { if: [true, 'on', { fractionl: [] }] } } } });
    const r = await cli('validate', bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('flags.a.targeting.if[2]: unknown operator "fractionl"');
  });

  it('exits 2 for a missing file or bad usage', async () => {
    expect((await cli('validate', join(dir, 'nope.json'))).code).toBe(2);
    expect((await cli('validate')).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
  });
});

describe('switchyard evaluate', () => {
  it('prints resolution details for one flag', async () => {
    const r = await cli('evaluate', join(EXAMPLES, 'flags.json'), '--flag', 'new-checkout', '--type', 'boolean', '--default', 'false', '--context', '{"targetingKey":"u1","email":"ada@example.com"}');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      flagKey: 'new-checkout',
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
      flagMetadata: { flagSetId: 'shop', version: '1', owner: 'checkout', type: 'release', expiry: '2027-01-31' },
    });
  });

  it('checks the default against --type and the variant type (TYPE_MISMATCH)', async () => {
    expect((await cli('evaluate', join(EXAMPLES, 'flags.json'), '--flag', 'headline', '--type', 'boolean', '--default', 'maybe')).code).toBe(2);
    const r = await cli('evaluate', join(EXAMPLES, 'flags.json'), '--flag', 'headline', '--type', 'number', '--default', '7');
    expect(JSON.parse(r.stdout)).toMatchObject({ value: 7, reason: 'ERROR', errorCode: 'TYPE_MISMATCH' });
  });

  it('pins $flagd.timestamp with --now for dry runs of time-based rules', async () => {
    const timed = file('timed.json', {
      flags: { t: { state: 'ENABLED', variants: { before: 'b', after: 'a' }, targeting: { if: [{ '>=': [{ var: '$flagd.timestamp' }, 1_800_000_000] }, 'after', 'before'] } } },
    });
    const at = async (now: string) => JSON.parse((await cli('evaluate', timed, '--flag', 't', '--now', now)).stdout).variant;
    expect(await at('2027-01-15T08:00:00Z')).toBe('after');
    expect(await at('2026-01-01T00:00:00Z')).toBe('before');
  });

  it('a reader that stops early (| head) ends the batch quietly, exit 0', async () => {
    const { spawn } = await import('node:child_process');
    const cases = file('many.jsonl', Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ flag: 'new-checkout', type: 'boolean', context: { targetingKey: `u${i}` } })).join('\n'));
    const child = spawn(process.execPath, [BIN, 'evaluate', join(EXAMPLES, 'flags.json'), '--batch', cases], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy()); // what `head -1` does after its line
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });

  it('evaluates a batch, one output line per case in order, marking unreadable lines', async () => {
    const cases = file('cases.jsonl', [
      JSON.stringify({ flag: 'headline', type: 'string', default: '', context: { targetingKey: 'user-3' } }),
      'not json',
      '',
      JSON.stringify({ flag: 'cart-limits', type: 'object', default: {}, context: { plan: 'enterprise' } }),
      JSON.stringify({ flag: 'cart-limits', type: 'object', default: 'x' }),
    ].join('\n'));
    const r = await cli('evaluate', join(EXAMPLES, 'flags.json'), '--batch', cases);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ flagKey: 'headline', reason: 'TARGETING_MATCH' });
    expect(lines[1]).toMatchObject({ line: 2, error: expect.stringContaining('not valid JSON') });
    expect(lines[2]).toMatchObject({ flagKey: 'cart-limits', value: { maxItems: 1000 } });
    expect(lines[3]).toEqual({ line: 5, error: 'default "x" is not a object' });
  });

  it('agrees with flagd on every case of the published fractional vectors', async () => {
    // One document per batch; a flag key that two cases define differently goes into the next document.
    const vectors = fractionalVectors();
    const docs: { flags: Record<string, unknown>; cases: string[]; expected: string[]; specs: Map<string, string> }[] = [];
    for (const c of vectors) {
      const targeting = c.bucketBy === 'shorthand' ? { fractional: c.buckets } : { fractional: [{ var: 'targetingKey' }, ...c.buckets] };
      const spec = JSON.stringify(targeting);
      let doc = docs.find((d) => !d.specs.has(c.flagKey) || d.specs.get(c.flagKey) === spec);
      if (!doc) docs.push((doc = { flags: {}, cases: [], expected: [], specs: new Map() }));
      doc.specs.set(c.flagKey, spec);
      doc.flags[c.flagKey] = { state: 'ENABLED', variants: Object.fromEntries(c.buckets.map(([v]) => [v, v])), defaultVariant: c.buckets[0][0], targeting };
      doc.cases.push(JSON.stringify({ flag: c.flagKey, type: 'string', default: '', context: { targetingKey: c.targetingKey } }));
      doc.expected.push(c.variant);
    }
    let checked = 0;
    for (const [i, doc] of docs.entries()) {
      const r = await cli('evaluate', file(`vectors-${i}.json`, { flags: doc.flags }), '--batch', file(`vectors-${i}.jsonl`, doc.cases.join('\n')));
      expect(r.code).toBe(0);
      const got = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(got.map((g) => g.variant)).toEqual(doc.expected);
      expect(got.every((g) => g.reason === 'TARGETING_MATCH')).toBe(true);
      checked += got.length;
    }
    expect(checked).toBe(vectors.length);
  });
});

describe('switchyard exit codes and messages', () => {
  it('evaluate --flag of a key the file does not define prints FLAG_NOT_FOUND and exits 1', async () => {
    const r = await cli('evaluate', join(EXAMPLES, 'flags.json'), '--flag', 'no-such-flag');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ flagKey: 'no-such-flag', reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
  });

  it('an unknown option is named plainly, with the usage hint; an unreadable file gets no usage hint', async () => {
    const bogus = await cli('validate', join(EXAMPLES, 'flags.json'), '--bogus');
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toBe('switchyard: unknown option --bogus\nrun "switchyard help" for usage\n');
    const missing = await cli('validate', join(dir, 'does-not-exist.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
    expect(missing.stderr).not.toContain('for usage');
  });
});
