// The ping log's lines in the three formats of docs/log-format.md, written and read back by one
// module, so the markers, month names and keys are spelled once. Pure: the time is passed in. Every
// line written ends with "\n", so the writer puts it on disk with one write(). The lines are put
// into a LineBuffer, which the service writes with one write() for all the lines of a read.
import { isIP } from 'node:net';
import type { Format } from '../config/options.js';
import type { ProbeResult, ProbeStatus } from '../probing/ping-result.js';
import { LineBuffer } from './line-buffer.js';

export interface StartEvent {
  time: Date;
  host: string;
  seq: number;
  /** JSON lines only: where the daemon probes from (--vantage). */
  vantage?: string | undefined;
}

export interface EndEvent extends StartEvent {
  result: ProbeResult;
  durationMs: number;
}

/** One line read back, whatever its format. */
export interface LogEvent {
  /** `undefined` when the line carries no time we can read. */
  time: Date | undefined;
  event: 'start' | 'end';
  /** Classic lines carry only the time and the event. */
  host?: string;
  /** JSON lines only: where the daemon probes from. */
  vantage?: string;
  seq?: number;
  status?: ProbeStatus;
  rttMs?: number;
  lossPct?: number;
  error?: string;
  /** JSON lines only. */
  durationMs?: number;
  /** The address ping used, when the host is a name. */
  addr?: string;
  /** ping's own min, max and mdev, when a probe sent more than one echo request. */
  rttMinMs?: number;
  rttMaxMs?: number;
  rttMdevMs?: number;
  /** JSON lines only: echo requests sent and replies received. */
  sent?: number;
  replies?: number;
}

const MARKER = { start: 'start time---------:', end: 'end of time--------:' } as const;
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const STATUSES: readonly string[] = ['up', 'down', 'error'] satisfies ProbeStatus[];

const pad2 = (n: number): string => String(n).padStart(2, '0');

/** C `ctime()` without its newline, in local time: `Tue Nov  4 20:15:03 2026` (day padded). */
export function ctime(t: Date): string {
  const day = String(t.getDate()).padStart(2, ' ');
  const clock = `${pad2(t.getHours())}:${pad2(t.getMinutes())}:${pad2(t.getSeconds())}`;
  return `${DAYS[t.getDay()]} ${MONTHS[t.getMonth()]} ${day} ${clock} ${t.getFullYear()}`;
}

/** `Tue Nov  4 20:15:03 2026` (local time) → Date. */
export function parseCtime(text: string): Date | undefined {
  const m = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})$/.exec(
    text,
  );
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[1] as string);
  if (month < 0) return undefined;
  return new Date(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
}

/** `000` to `999`: a line's milliseconds without a string made for each. */
const MILLIS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/** The second localIso last wrote, and its text before and after the milliseconds. */
let isoSecond = Number.NaN;
let isoHead = '';
let isoTail = '';

/**
 * Makes isoHead and isoTail those of `t`'s second and returns its milliseconds (-1: no time).
 * The lines of one tick share their second (1,000 hosts write 2,000 lines a second), so the text
 * of the second is made once and only the milliseconds change.
 */
function isoParts(t: Date): number {
  const ms = t.getTime();
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    if (Number.isNaN(ms)) return -1;
    const offset = -t.getTimezoneOffset();
    const abs = Math.abs(offset);
    const date = `${t.getFullYear()}-${pad2(t.getMonth() + 1)}-${pad2(t.getDate())}`;
    const clock = `${pad2(t.getHours())}:${pad2(t.getMinutes())}:${pad2(t.getSeconds())}`;
    isoHead = `${date}T${clock}.`;
    isoTail = `${offset >= 0 ? '+' : '-'}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
    isoSecond = second;
  }
  return ms - second * 1000;
}

/** ISO 8601 in local time with milliseconds and offset: `2026-11-24T20:15:03.001+08:00`. */
export function localIso(t: Date): string {
  const millis = isoParts(t);
  return millis < 0 ? 'Invalid Date' : isoHead + MILLIS[millis] + isoTail;
}

function putLocalIso(out: LineBuffer, t: Date): void {
  const millis = isoParts(t);
  if (millis < 0) {
    out.put('Invalid Date');
    return;
  }
  out.put(isoHead);
  out.put(MILLIS[millis] as string);
  out.put(isoTail);
}

// ---- JSON: one object per line, keys in snake_case ------------------------------------------

/** The JSON object of a line; `logs --json` prints the same object for any format read. */
export function jsonRecord(e: LogEvent): Record<string, unknown> {
  return {
    time: e.time?.toISOString(),
    event: e.event,
    host: e.host,
    vantage: e.vantage,
    seq: e.seq,
    status: e.status,
    rtt_ms: e.rttMs,
    loss_pct: e.lossPct,
    error: e.error,
    duration_ms: e.durationMs,
    addr: e.addr,
    rtt_min_ms: e.rttMinMs,
    rtt_max_ms: e.rttMaxMs,
    rtt_mdev_ms: e.rttMdevMs,
    sent: e.sent,
    replies: e.replies,
  };
}

function fromJson(line: string): LogEvent | undefined {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof o !== 'object' || o === null) return undefined;
  const r = o as Record<string, unknown>;
  if (r.event !== 'start' && r.event !== 'end') return undefined;
  return {
    time: parseDate(typeof r.time === 'string' ? r.time : undefined),
    event: r.event,
    host: typeof r.host === 'string' ? r.host : undefined,
    vantage: typeof r.vantage === 'string' ? r.vantage : undefined,
    seq: finite(r.seq),
    status: statusOf(r.status),
    rttMs: finite(r.rtt_ms),
    lossPct: finite(r.loss_pct),
    error: typeof r.error === 'string' ? r.error : undefined,
    durationMs: finite(r.duration_ms),
    addr: typeof r.addr === 'string' ? r.addr : undefined,
    rttMinMs: finite(r.rtt_min_ms),
    rttMaxMs: finite(r.rtt_max_ms),
    rttMdevMs: finite(r.rtt_mdev_ms),
    sent: finite(r.sent),
    replies: finite(r.replies),
  };
}

// ---- text: the marker, a local ISO time, then key=value pairs ---------------------------------

/** A value for `key=value`: quoted (JSON string syntax) when it holds a space, quote or `=`. */
function textValue(value: string): string {
  return /^[\x21-\x7e]+$/.test(value) && !/["=\\]/.test(value) ? value : JSON.stringify(value);
}

/** textValue of each host written lately: two lines a probe name one of a few hosts. */
const hostValues = new Map<string, string>();

function hostValue(host: string): string {
  let value = hostValues.get(host);
  if (value === undefined) {
    if (hostValues.size >= 10_000) hostValues.clear();
    value = textValue(host);
    hostValues.set(host, value);
  }
  return value;
}

/** An end line names the address only for a name: for an address it says nothing new. */
const showsAddr = (host: string, r: ProbeResult): boolean =>
  r.addr !== undefined && isIP(host) === 0;

/** ping's own min, max and mdev only when it sent more than one request (for one they repeat rtt). */
const showsSpread = (r: ProbeResult): boolean => (r.sent ?? 0) > 1 && r.rttMinMs !== undefined;

/** The text of an end line's result, straight from the result: this runs for every probe. */
function putTextResult(out: LineBuffer, host: string, r: ProbeResult): void {
  out.put(' status=');
  out.put(r.status);
  if (r.rttMs !== undefined) {
    out.put(' rtt_ms=');
    out.number(r.rttMs);
  }
  if (r.lossPct !== undefined) {
    out.put(' loss=');
    out.number(r.lossPct);
    out.put('%');
  }
  if (r.error !== undefined) {
    out.put(' error=');
    out.put(JSON.stringify(r.error));
  }
  if (showsAddr(host, r)) {
    out.put(' addr=');
    out.put(r.addr as string);
  }
  if (showsSpread(r)) {
    out.put(' rtt_min_ms=');
    out.number(r.rttMinMs as number);
    out.put(' rtt_max_ms=');
    out.number(r.rttMaxMs as number);
    out.put(' rtt_mdev_ms=');
    out.number(r.rttMdevMs as number);
  }
}

/** What an end line says of a result, for JSON (as putTextResult says it for text). */
function endFields(host: string, r: ProbeResult): LogEvent {
  const e: LogEvent = { time: undefined, event: 'end', status: r.status };
  if (r.rttMs !== undefined) e.rttMs = r.rttMs;
  if (r.lossPct !== undefined) e.lossPct = r.lossPct;
  if (r.error !== undefined) e.error = r.error;
  if (showsAddr(host, r)) e.addr = r.addr;
  if (showsSpread(r)) {
    e.rttMinMs = r.rttMinMs;
    e.rttMaxMs = r.rttMaxMs;
    e.rttMdevMs = r.rttMdevMs;
  }
  return e;
}

/** `key=value` and `key="quoted value"` pairs of a text-format line. */
function textFields(text: string): Map<string, string> {
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

function fromText(event: 'start' | 'end', rest: string): LogEvent {
  const space = rest.indexOf(' host=');
  if (space < 0) return { time: parseCtime(rest), event }; // classic
  const f = textFields(rest.slice(space));
  const number = (key: string): number | undefined => {
    const v = f.get(key);
    return v === undefined ? undefined : finite(Number(v.replace(/%$/, '')));
  };
  return {
    time: parseDate(rest.slice(0, space)),
    event,
    host: f.get('host'),
    seq: number('seq'),
    status: statusOf(f.get('status')),
    rttMs: number('rtt_ms'),
    lossPct: number('loss'),
    error: f.get('error'),
    addr: f.get('addr'),
    rttMinMs: number('rtt_min_ms'),
    rttMaxMs: number('rtt_max_ms'),
    rttMdevMs: number('rtt_mdev_ms'),
  };
}

// ---- writing and reading ----------------------------------------------------------------------

/** What a text line starts with: its marker, its time, the host and the probe's number. */
function putTextHead(out: LineBuffer, marker: string, e: StartEvent): void {
  out.put(marker);
  putLocalIso(out, e.time);
  out.put(' host=');
  out.put(hostValue(e.host));
  out.put(' seq=');
  out.number(e.seq);
}

/** The start line of a probe, with its newline, after what `out` holds. */
export function putStart(out: LineBuffer, format: Format, e: StartEvent): void {
  switch (format) {
    case 'classic':
      out.put(`${MARKER.start}${ctime(e.time)}\n`);
      return;
    case 'json':
      out.put(
        `${JSON.stringify({ time: e.time.toISOString(), event: 'start', host: e.host, vantage: e.vantage, seq: e.seq })}\n`,
      );
      return;
    case 'text':
      putTextHead(out, MARKER.start, e);
      out.put('\n');
  }
}

/** The end line of a probe, with its newline, after what `out` holds. */
export function putEnd(out: LineBuffer, format: Format, e: EndEvent): void {
  switch (format) {
    case 'classic':
      out.put(`${MARKER.end}${ctime(e.time)}\n`);
      return;
    case 'json': {
      const { sent, replies } = e.result;
      const record = jsonRecord({
        ...endFields(e.host, e.result),
        ...{ time: e.time, host: e.host, vantage: e.vantage, seq: e.seq },
        durationMs: Math.round(e.durationMs),
        ...{ sent, replies },
      });
      out.put(`${JSON.stringify(record)}\n`);
      return;
    }
    case 'text':
      putTextHead(out, MARKER.end, e);
      putTextResult(out, e.host, e.result);
      out.put('\n');
  }
}

export function formatStart(format: Format, e: StartEvent): string {
  const out = new LineBuffer(256);
  putStart(out, format, e);
  return out.toString();
}

export function formatEnd(format: Format, e: EndEvent): string {
  const out = new LineBuffer(256);
  putEnd(out, format, e);
  return out.toString();
}

/** One line of the ping log in any format, or `undefined` for anything else. */
export function parseLogLine(line: string): LogEvent | undefined {
  if (line.startsWith('{')) return fromJson(line);
  const event = line.startsWith(MARKER.start)
    ? 'start'
    : line.startsWith(MARKER.end)
      ? 'end'
      : undefined;
  return event && fromText(event, line.slice(MARKER[event].length));
}

function parseDate(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const t = new Date(text);
  return Number.isNaN(t.getTime()) ? undefined : t;
}

function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function statusOf(v: unknown): ProbeStatus | undefined {
  return typeof v === 'string' && STATUSES.includes(v) ? (v as ProbeStatus) : undefined;
}
