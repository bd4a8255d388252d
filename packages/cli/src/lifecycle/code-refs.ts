import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';

/** Where code names flags: every string literal (a loose reference) and every evaluation call (a strict one). */
export interface CodeReferences {
  readonly files: number;
  /** Every short string literal in the code: a flag key among them counts as referenced. */
  readonly literals: ReadonlySet<string>;
  /** Keys passed literally to an OpenFeature / Switchyard evaluation call, with where. */
  readonly evaluations: readonly { readonly key: string; readonly file: string; readonly line: number }[];
}

const EXTENSIONS = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.vue', '.svelte', '.astro']);
const SKIP = new Set(['node_modules', '.git', 'dist', 'build', 'coverage', '.next', '.turbo', '.cache']);
const MAX_FILE = 1024 * 1024;

// Both patterns are linear: disjoint character classes and bounded repetition, no nested quantifiers.
/** A short string literal without escapes or interpolation; its text is group 1, 2 or 3. */
const STRING = String.raw`'([^'\\\n]{1,200})'|"([^"\\\n]{1,200})"|\`([^\`\\$\n]{1,200})\``;
const LITERAL = new RegExp(STRING, 'g');
/** An evaluation call whose first argument is such a literal: getBooleanValue('k', …), useStringFlagValue<T>("k"), … */
const EVALUATION = new RegExp(
  String.raw`\b(?:get(?:Boolean|String|Number|Object)(?:Value|Details)|use(?:Boolean|String|Number|Object)Flag(?:Value|Details)?|resolve(?:Boolean|String|Number|Object)Evaluation)\s*(?:<[^<>()\n]{0,200}>)?\s*\(\s*(?:${STRING})`,
  'g',
);

async function* sourceFiles(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP.has(entry.name)) yield* sourceFiles(join(dir, entry.name));
    } else if (entry.isFile() && EXTENSIONS.has(extname(entry.name))) {
      yield join(dir, entry.name);
    }
  }
}

/** Scans `dir` (skipping node_modules, dist, …) for flag keys in JavaScript and TypeScript sources. */
export async function scanCode(dir: string): Promise<CodeReferences> {
  const literals = new Set<string>();
  const evaluations: { key: string; file: string; line: number }[] = [];
  let files = 0;
  for await (const path of sourceFiles(dir)) {
    if ((await stat(path)).size > MAX_FILE) continue;
    files++;
    const text = await readFile(path, 'utf8');
    for (const m of text.matchAll(LITERAL)) literals.add(m[1] ?? m[2] ?? m[3]);
    for (const m of text.matchAll(EVALUATION)) {
      const line = text.slice(0, m.index).split('\n').length;
      evaluations.push({ key: m[1] ?? m[2] ?? m[3], file: relative(dir, path), line });
    }
  }
  return { files, literals, evaluations };
}
