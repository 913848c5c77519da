// The ping log's lines in the three formats of SPEC §3. Pure: the time is passed in. Every line
// ends with "\n" so the writer can put it on disk with one write().
import type { Format } from '../config/options.js';
import type { ProbeResult } from '../probing/ping-result.js';

export interface StartEvent {
  time: Date;
  host: string;
  seq: number;
}

export interface EndEvent extends StartEvent {
  result: ProbeResult;
  durationMs: number;
}

const START = 'start time---------:';
const END = 'end of time--------:';

const pad2 = (n: number): string => String(n).padStart(2, '0');
const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** C `ctime()` without its newline, in local time: `Tue Nov  4 20:15:03 2026` (day space-padded). */
export function ctime(t: Date): string {
  const day = String(t.getDate()).padStart(2, ' ');
  const clock = `${pad2(t.getHours())}:${pad2(t.getMinutes())}:${pad2(t.getSeconds())}`;
  return `${days[t.getDay()]} ${months[t.getMonth()]} ${day} ${clock} ${t.getFullYear()}`;
}

/** ISO 8601 in local time with milliseconds and offset: `2026-11-24T20:15:03.001+08:00`. */
export function localIso(t: Date): string {
  const offset = -t.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  const date = `${t.getFullYear()}-${pad2(t.getMonth() + 1)}-${pad2(t.getDate())}`;
  const clock = `${pad2(t.getHours())}:${pad2(t.getMinutes())}:${pad2(t.getSeconds())}`;
  const ms = String(t.getMilliseconds()).padStart(3, '0');
  return `${date}T${clock}.${ms}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

/** A value for `key=value`: quoted (JSON string syntax) when it holds a space, quote or `=`. */
function textValue(value: string): string {
  return /^[\x21-\x7e]+$/.test(value) && !/["=\\]/.test(value) ? value : JSON.stringify(value);
}

function textResult(r: ProbeResult): string {
  let s = ` status=${r.status}`;
  if (r.rttMs !== undefined) s += ` rtt_ms=${r.rttMs}`;
  if (r.lossPct !== undefined) s += ` loss=${r.lossPct}%`;
  if (r.error !== undefined) s += ` error=${JSON.stringify(r.error)}`;
  return s;
}

export function formatStart(format: Format, e: StartEvent): string {
  switch (format) {
    case 'classic':
      return `${START}${ctime(e.time)}\n`;
    case 'json':
      return `${JSON.stringify({ time: e.time.toISOString(), event: 'start', host: e.host, seq: e.seq })}\n`;
    case 'text':
      return `${START}${localIso(e.time)} host=${textValue(e.host)} seq=${e.seq}\n`;
  }
}

export function formatEnd(format: Format, e: EndEvent): string {
  switch (format) {
    case 'classic':
      return `${END}${ctime(e.time)}\n`;
    case 'json': {
      const { status, rttMs, lossPct, error } = e.result;
      const line = {
        time: e.time.toISOString(),
        event: 'end',
        host: e.host,
        seq: e.seq,
        status,
        rtt_ms: rttMs,
        loss_pct: lossPct,
        error,
        duration_ms: Math.round(e.durationMs),
      };
      return `${JSON.stringify(line)}\n`;
    }
    case 'text':
      return `${END}${localIso(e.time)} host=${textValue(e.host)} seq=${e.seq}${textResult(e.result)}\n`;
  }
}
