import { formatIssue } from '@switchyard/core';
import { loadFlagFile, type Output } from '../io.js';

/** `switchyard validate FILE`: 0 when valid; otherwise every error with its JSON path, and 1. */
export async function validate(file: string, io: Output): Promise<number> {
  const result = await loadFlagFile(file);
  if (!result.ok) {
    io.err(`${file}: invalid, ${result.issues.length} error${result.issues.length === 1 ? '' : 's'} (document rejected)`);
    for (const issue of result.issues) io.err(`  ${formatIssue(issue)}`);
    return 1;
  }
  if (result.issues.length > 0) {
    io.err(`${file}: ${result.issues.length} flag${result.issues.length === 1 ? '' : 's'} with invalid targeting (they resolve ERROR/PARSE_ERROR)`);
    for (const issue of result.issues) io.err(`  ${formatIssue(issue)}`);
    return 1;
  }
  const count = result.snapshot.flags.size;
  io.out(`${file}: valid, ${count} flag${count === 1 ? '' : 's'}`);
  return 0;
}
