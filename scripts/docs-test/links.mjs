// Links in the docs resolve: relative links to a file of the repository, and `#anchor`s to a heading
// of that file (GitHub's slugs) or an HTML id; absolute links into this repository on GitHub
// (https://github.com/switchyard-flags/switchyard/blob|tree/main/PATH#anchor), as the package READMEs
// use on npm, likewise. Other sites are not fetched.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const REPO = 'https://github.com/switchyard-flags/switchyard/';

/** The anchors of a markdown file: GitHub's heading slugs (numbered when repeated) and explicit ids. */
function anchorsOf(path) {
  const anchors = new Set();
  const seen = new Map();
  let fenced = false;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (/^```/.test(line)) fenced = !fenced;
    if (fenced) continue;
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]);
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1].replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1'); // a link in a heading: its text
    const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n ? `${slug}-${n}` : slug);
  }
  return anchors;
}

/** Checks every link of `pages` (paths relative to `root`); `report(ok, where, detail)` per broken link, one ok per page. */
export function checkLinks(root, pages, report) {
  const anchors = new Map();
  const anchorsIn = (path) => anchors.get(path) ?? anchors.set(path, anchorsOf(path)).get(path);
  for (const page of pages) {
    const lines = readFileSync(join(root, page), 'utf8').split('\n');
    let fenced = false;
    let links = 0;
    const broken = [];
    lines.forEach((line, i) => {
      if (/^```/.test(line)) fenced = !fenced;
      if (fenced) return;
      for (const m of line.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        let target = m[1];
        if (target.startsWith(REPO)) {
          const path = /^(?:blob|tree)\/main\/(.*)$/.exec(target.slice(REPO.length));
          if (!path) continue; // issues, releases, the repository's front page
          target = `/${path[1]}`;
        } else if (/^[a-z][\w+.-]*:/i.test(target)) continue; // another site, mailto:
        links++;
        const [file, anchor] = target.split('#');
        const path = file === '' ? join(root, page) : file.startsWith('/') ? join(root, file) : join(root, dirname(page), file);
        const at = `${page}:${i + 1}`;
        if (!path.startsWith(root) || !existsSync(path)) broken.push(`${at}: ${m[1]} — no ${relative(root, path) || file}`);
        else if (anchor && path.endsWith('.md') && statSync(path).isFile() && !anchorsIn(path).has(decodeURIComponent(anchor))) {
          broken.push(`${at}: ${m[1]} — ${relative(root, path)} has no heading #${anchor}`);
        }
      }
    });
    report(broken.length === 0, `${page} links`, broken.length ? broken.join('\n') : `${links} links resolve`);
  }
}
