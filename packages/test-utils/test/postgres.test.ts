import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startPostgres } from '../src/postgres.js';

// The throwaway clusters the state-store tests run against: real PostgreSQL (Debian's), one per test
// file, on a random loopback port, gone after stop().
const psql = (port: number, sql: string) =>
  execFileSync('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'switchyard', '-d', 'switchyard', '-tAc', sql], { encoding: 'utf8' }).trim();

describe('startPostgres', () => {
  it('starts independent real clusters on loopback and removes them on stop', async () => {
    const [a, b] = await Promise.all([startPostgres(), startPostgres()]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(a.url).toBe(`postgres://switchyard@127.0.0.1:${a.port}/switchyard`);
      psql(a.port, 'create table t (v text); insert into t values (\'only in a\')');
      expect(psql(a.port, 'select v from t')).toBe('only in a');
      expect(psql(b.port, "select count(*) from pg_tables where tablename = 't'")).toBe('0');
      expect(psql(a.port, 'show server_version_num').length).toBeGreaterThanOrEqual(6);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(() => psql(a.port, 'select 1')).toThrow();
  });
});
