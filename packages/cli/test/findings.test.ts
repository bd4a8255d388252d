import { describe, expect, it } from 'vitest';
import { cli, file } from './helpers.js';

const bool = (extra: object = {}) => ({ state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'off', ...extra });
// `broken` has invalid targeting: the document loads (as in flagd) and that flag answers ERROR / PARSE_ERROR.
const DOC = { flags: { ok: bool(), off: bool({ state: 'DISABLED' }), broken: bool({ targeting: { if: [true, 'on', { fractionl: [] }] } }) } };
const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));

describe('evaluate: an ERROR answer is a finding, exit 1, with --flag and in --batch alike', () => {
  it('--flag: FLAG_NOT_FOUND, PARSE_ERROR and TYPE_MISMATCH print the answer and exit 1; STATIC and DISABLED exit 0', async () => {
    const doc = file('findings.json', DOC);
    for (const [args, errorCode] of [[['--flag', 'nope'], 'FLAG_NOT_FOUND'], [['--flag', 'broken'], 'PARSE_ERROR'], [['--flag', 'ok', '--type', 'string'], 'TYPE_MISMATCH']] as const) {
      const r = await cli('evaluate', doc, ...args);
      expect({ code: r.code, answer: JSON.parse(r.stdout) }).toMatchObject({ code: 1, answer: { reason: 'ERROR', errorCode } });
    }
    expect(await cli('evaluate', doc, '--flag', 'ok')).toMatchObject({ code: 0, stdout: expect.stringContaining('"STATIC"') });
    expect(await cli('evaluate', doc, '--flag', 'off')).toMatchObject({ code: 0, stdout: expect.stringContaining('"DISABLED"') });
  });

  it('--batch: every case prints in order; cases answering ERROR make it exit 1 and are named on stderr', async () => {
    const doc = file('findings.json', DOC);
    const cases = [{ flag: 'ok' }, { flag: 'nope' }, { flag: 'off' }, { flag: 'broken' }, { flag: 'ok', type: 'string', default: '' }];
    const r = await cli('evaluate', doc, '--batch', file('findings.jsonl', cases.map((c) => JSON.stringify(c)).join('\n')));
    expect(r.code).toBe(1);
    expect(lines(r.stdout).map((l) => l.errorCode ?? l.reason)).toEqual(['STATIC', 'FLAG_NOT_FOUND', 'DISABLED', 'PARSE_ERROR', 'TYPE_MISMATCH']);
    expect(r.stderr).toContain('3 cases unreadable or answered ERROR: lines 2, 4, 5\n');

    const fine = await cli('evaluate', doc, '--batch', file('fine.jsonl', [{ flag: 'ok' }, { flag: 'off' }].map((c) => JSON.stringify(c)).join('\n')));
    expect(fine.code).toBe(0);
    expect(lines(fine.stdout)).toHaveLength(2);
  });

  it('names a broken shared evaluator once, with the flags it breaks (validate, evaluate)', async () => {
    const doc = file('shared.json', {
      $evaluators: { staff: { fractionl: [] } },
      flags: { a: bool(), b: bool({ targeting: { if: [{ $ref: 'staff' }, 'on', null] } }), c: bool({ targeting: { if: [{ $ref: 'staff' }, 'on', null] } }) },
    });
    const validated = await cli('validate', doc);
    expect(validated.code).toBe(1);
    expect(validated.stderr).toBe(`${doc}: 2 flags with invalid targeting (they resolve ERROR/PARSE_ERROR)\n  $evaluators.staff: unknown operator "fractionl" (flags b, c)\n`);
    const evaluated = await cli('evaluate', doc, '--flag', 'a');
    expect(evaluated).toMatchObject({ code: 0, stderr: 'warning: $evaluators.staff: unknown operator "fractionl" (flags b, c)\n' });
  });
});
