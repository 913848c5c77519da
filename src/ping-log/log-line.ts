// Reading the ping log back: one parser for the three formats of SPEC §3, so `logs` can filter,
// colour, convert and summarise whatever format the file was written in. Pure.
import type { ProbeStatus } from '../probing/ping-result.js';

export interface LogEvent {
  /** `undefined` when the line carries no time we can read. */
  time: Date | undefined;
  event: 'start' | 'end';
  /** Classic lines carry only the time and the event. */
  host?: string;
  seq?: number;
  status?: ProbeStatus;
  rttMs?: number;
  lossPct?: number;
  error?: string;
  durationMs?: number;
}

const START = 'start time---------:';
const END = 'end of time--------:';
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const statuses: readonly string[] = ['up', 'down', 'error'];

/** `Tue Nov  4 20:15:03 2026` (local time) → Date. */
export function parseCtime(text: string): Date | undefined {
  const m = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})$/.exec(
    text,
  );
  if (!m) return undefined;
  const month = months.indexOf(m[1] as string);
  if (month < 0) return undefined;
  return new Date(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
}

function parseDate(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const t = new Date(text);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

const finite = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/** `key=value` and `key="quoted value"` pairs of a text-format line. */
function fields(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const m of text.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
    const raw = m[2] as string;
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        value = raw.slice(1, -1);
      }
    }
    map.set(m[1] as string, value);
  }
  return map;
}

function fromJson(line: string): LogEvent | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null || (o.event !== 'start' && o.event !== 'end'))
    return undefined;
  return {
    time: parseDate(typeof o.time === 'string' ? o.time : undefined),
    event: o.event,
    host: typeof o.host === 'string' ? o.host : undefined,
    seq: finite(o.seq),
    status:
      typeof o.status === 'string' && statuses.includes(o.status)
        ? (o.status as ProbeStatus)
        : undefined,
    rttMs: finite(o.rtt_ms),
    lossPct: finite(o.loss_pct),
    error: typeof o.error === 'string' ? o.error : undefined,
    durationMs: finite(o.duration_ms),
  };
}

/** One line of the ping log in any format, or `undefined` for anything else. */
export function parseLogLine(line: string): LogEvent | undefined {
  if (line.startsWith('{')) return fromJson(line);
  const event = line.startsWith(START) ? 'start' : line.startsWith(END) ? 'end' : undefined;
  if (!event) return undefined;
  const rest = line.slice(START.length);
  const space = rest.indexOf(' host=');
  if (space < 0) return { time: parseCtime(rest), event }; // classic
  const f = fields(rest.slice(space));
  const status = f.get('status');
  const number = (key: string): number | undefined => {
    const v = f.get(key);
    return v === undefined ? undefined : finite(Number(v.replace(/%$/, '')));
  };
  return {
    time: parseDate(rest.slice(0, space)),
    event,
    host: f.get('host'),
    seq: number('seq'),
    status: status !== undefined && statuses.includes(status) ? (status as ProbeStatus) : undefined,
    rttMs: number('rtt_ms'),
    lossPct: number('loss'),
    error: f.get('error'),
  };
}
