/** One gauge reading: its name, labels and value. */
export type Sample = [name: string, labels: Record<string, string>, value: number];

/** Prometheus text-format counters and gauges, kept in plain maps (no client library needed). */
export class Metrics {
  private readonly counters = new Map<string, Map<string, number>>();
  private readonly help = new Map<string, [type: 'counter' | 'gauge', text: string]>();
  private readonly gauges: (() => Sample[])[] = [];

  describe(name: string, type: 'counter' | 'gauge', text: string): void {
    this.help.set(name, [type, text]);
  }

  inc(name: string, labels: Record<string, string>, by = 1): void {
    let series = this.counters.get(name);
    if (!series) this.counters.set(name, (series = new Map()));
    const key = labelText(labels);
    series.set(key, (series.get(key) ?? 0) + by);
  }

  /** Gauges are read when scraped, from the live state. */
  gauge(read: () => Sample[]): void {
    this.gauges.push(read);
  }

  render(): string {
    const samples = new Map<string, string[]>();
    const add = (name: string, labels: string, value: number) => {
      if (!samples.has(name)) samples.set(name, []);
      samples.get(name)!.push(`${name}${labels} ${value}`);
    };
    for (const [name, series] of this.counters) for (const [labels, value] of series) add(name, labels, value);
    for (const read of this.gauges) for (const [name, labels, value] of read()) add(name, labelText(labels), value);
    const out: string[] = [];
    for (const [name, [type, text]] of this.help) {
      out.push(`# HELP ${name} ${text}`, `# TYPE ${name} ${type}`, ...(samples.get(name) ?? []));
    }
    return `${out.join('\n')}\n`;
  }
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}
