import { formatIssue, isMigrationFlag, migrationIssues, type Issue } from '@switchyard/core';
import { VALUE_SUFFIX } from '@switchyard/appconfig';
import { loadFlagFile, targetingProblems, type FormatOptions, type Output } from '../io.js';

/**
 * `switchyard validate FILE [--format F]`: 0 when valid; otherwise every error with its JSON path,
 * and 1. flagd and AWS AppConfig (hosted, retrieval) files are told apart by their content.
 */
export async function validate(file: string, options: FormatOptions, io: Output): Promise<number> {
  const result = await loadFlagFile(file, options);
  if (!result.ok) {
    io.err(`${file}: invalid, ${result.issues.length} error${result.issues.length === 1 ? '' : 's'} (document rejected)`);
    for (const issue of result.issues) io.err(`  ${formatIssue(issue)}`);
    return 1;
  }
  if (result.issues.length > 0) {
    io.err(`${file}: ${result.issues.length} flag${result.issues.length === 1 ? '' : 's'} with invalid targeting (they resolve ERROR/PARSE_ERROR)`);
    for (const line of targetingProblems(result.snapshot)) io.err(`  ${line}`);
    return 1;
  }
  // Migration flags (`"migration": true` in their metadata) must have exactly the stages as variants.
  const migrations: Issue[] = [];
  for (const [key, flag] of result.snapshot.flags) {
    if (isMigrationFlag(flag.definition)) for (const message of migrationIssues(flag.definition)) migrations.push({ path: `flags.${key}.variants`, message });
  }
  if (migrations.length > 0) {
    io.err(`${file}: ${migrations.length} problem${migrations.length === 1 ? '' : 's'} with migration flags`);
    for (const issue of migrations) io.err(`  ${formatIssue(issue)}`);
    return 1;
  }
  const count = result.snapshot.flags.size;
  if (result.format === 'flagd') {
    io.out(`${file}: valid, ${count} flag${count === 1 ? '' : 's'}`);
  } else {
    const appconfig = result.snapshot.keys().filter((k) => k.endsWith(VALUE_SUFFIX)).length;
    io.out(`${file}: valid ${result.format}, ${appconfig} AppConfig flag${appconfig === 1 ? '' : 's'} (${count} OpenFeature flag keys)`);
  }
  return 0;
}
