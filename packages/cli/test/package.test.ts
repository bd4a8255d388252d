import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };

describe('the published package', () => {
  it('--version, version and -v print the version of package.json and exit 0', async () => {
    for (const arg of ['--version', 'version', '-v']) expect(await cli(arg)).toEqual({ code: 0, stdout: `${manifest.version}\n`, stderr: '' });
  });

  it('ships what the bin imports, and main only as ESM (the library as ESM and CommonJS)', async () => {
    const imported = /from '\.\.\/(dist\/[^']+)'/.exec(readFileSync(`${ROOT}bin/switchyard.js`, 'utf8'))![1];
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT });
    const files = (JSON.parse(stdout) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
    expect(files).toContain(imported);
    expect(existsSync(`${ROOT}${imported}`)).toBe(true);
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']));
    expect(files.filter((f) => f.startsWith('dist/main.'))).toEqual(['dist/main.js', 'dist/main.js.map']);
  });
});
