import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'switchyard-test-'));
}

/** Replaces a file the way editors do: write a temporary file, then rename it over the original. */
export function writeAtomically(path: string, content: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  renameSync(tmp, path);
}
