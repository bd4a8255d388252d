/**
 * W3C date-time strings (the profile AppConfig rules use): `2024`, `2024-01`, `2024-01-15`,
 * `2024-01-15T10:30Z`, `2024-01-15T10:30:00+02:00`, `2024-01-15T10:30:00.123Z`. Ion's trailing `T`
 * on reduced precision (`2024-01T`) is accepted too. A date without a time is midnight UTC.
 * Returns epoch milliseconds, or NaN when the text is not such a timestamp or names no real date.
 */
const W3C = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?)?)?T?$/;

export function parseTimestamp(text: string): number {
  const m = W3C.exec(text);
  if (!m) return NaN;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const year = +y;
  const month = +mo;
  const day = +d;
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || +h > 23 || +mi > 59 || +s > 59) return NaN;
  if (m[4] !== undefined && text.endsWith('T')) return NaN; // "…Z" then "T" is not a timestamp
  const ms = Date.UTC(year, month - 1, day, +h, +mi, +s, Math.floor(+`0.${frac || '0'}` * 1000));
  if (zone === 'Z') return ms;
  const sign = zone[0] === '-' ? -1 : 1;
  const zh = +zone.slice(1, 3);
  const zm = +zone.slice(4, 6);
  if (zh > 23 || zm > 59) return NaN;
  return ms - sign * (zh * 60 + zm) * 60_000;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A context value as a point in time: a Date, or a W3C timestamp string. Anything else is NaN. */
export function toTime(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  return typeof value === 'string' ? parseTimestamp(value) : NaN;
}
