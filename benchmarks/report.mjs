// Writes one suite's section of benchmarks/README.md (between <!-- NAME:start --> and <!-- NAME:end -->)
// and its raw figures to benchmarks/results/NAME.json.
import { mkdir, readFile, writeFile } from 'node:fs/promises';

const README = new URL('./README.md', import.meta.url);

export async function writeSection(name, markdown, raw) {
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(new URL(`./results/${name}.json`, import.meta.url), `${JSON.stringify(raw, null, 2)}\n`);
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const text = await readFile(README, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1) throw new Error(`benchmarks/README.md has no ${start} … ${end} section`);
  await writeFile(README, `${text.slice(0, from + start.length)}\n${markdown}\n${text.slice(to)}`);
}
