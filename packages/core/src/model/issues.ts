/** One problem found in a flag document: where (a JSON path) and why. */
export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** Thrown when a whole document is rejected; carries every structural issue found. */
export class FlagDocumentError extends Error {
  readonly code = 'PARSE_ERROR' as const;
  constructor(readonly issues: readonly Issue[]) {
    super(
      issues.length === 1
        ? `invalid flag document: ${formatIssue(issues[0])}`
        : `invalid flag document (${issues.length} errors):\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`,
    );
    this.name = 'FlagDocumentError';
  }
}

export function formatIssue(issue: Issue): string {
  return `${issue.path}: ${issue.message}`;
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** `flags` + `new-checkout` → `flags.new-checkout`; odd keys are quoted: `flags["a.b"]`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const part = PLAIN_KEY.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (parent === ROOT) return part.startsWith('[') ? `${ROOT}${part}` : part;
  return part.startsWith('[') ? `${parent}${part}` : `${parent}.${part}`;
}

export const ROOT = '$';
