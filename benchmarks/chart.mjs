// A dependency-free SVG bar chart of the evaluation results: for each case, one bar per peer showing how
// many times slower than `ours` (provider.evaluator) it was in the same run (log scale; 1× means as fast).
const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#b07aa1', '#76b7b2'];
const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function chart(rows, ours, peers) {
  const bar = 14;
  const group = peers.length * bar + 18;
  const left = 250;
  const width = 820;
  const plot = width - left - 70;
  const top = 40;
  const height = top + rows.length * group + 30;
  const ratios = rows.flatMap((r) => peers.map((p) => r.ns[p] / r.ns[ours]));
  const decades = Math.max(1, Math.ceil(Math.log10(Math.max(...ratios))));
  const x = (ratio) => (Math.max(0, Math.log10(Math.max(ratio, 1))) / decades) * plot;

  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${left}" y="16" font-weight="bold">How many times slower than ${escape(ours)} (same run, log scale)</text>`,
  ];
  peers.forEach((p, i) => out.push(`<rect x="${left + i * 120}" y="24" width="10" height="10" fill="${COLORS[i]}"/><text x="${left + i * 120 + 14}" y="33">${escape(p)}</text>`));
  for (let d = 0; d <= decades; d++) {
    const gx = left + (d / decades) * plot;
    out.push(`<line x1="${gx}" y1="${top}" x2="${gx}" y2="${height - 24}" stroke="#ddd"/><text x="${gx}" y="${height - 10}" text-anchor="middle" fill="#555">${10 ** d}×</text>`);
  }
  rows.forEach((r, ri) => {
    const y0 = top + ri * group + 6;
    out.push(`<text x="${left - 8}" y="${y0 + (peers.length * bar) / 2 + 4}" text-anchor="end">${escape(r.name)}</text>`);
    peers.forEach((p, i) => {
      const ratio = r.ns[p] / r.ns[ours];
      const w = Math.max(1, x(ratio));
      out.push(`<rect x="${left}" y="${y0 + i * bar}" width="${w.toFixed(1)}" height="${bar - 2}" fill="${COLORS[i]}"><title>${escape(p)}: ${r.ns[p].toFixed(1)} ns vs ${r.ns[ours].toFixed(1)} ns</title></rect>`);
      out.push(`<text x="${(left + w + 4).toFixed(1)}" y="${y0 + i * bar + bar - 4}" font-size="10" fill="#333">${ratio.toFixed(1)}×</text>`);
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
