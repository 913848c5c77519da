// How `logs` shows a line: as written when piped (so grep and awk see the file), aligned and
// coloured on a terminal, or as one JSON object whatever the file's format. Pure.
import { styleText } from 'node:util';
import { jsonRecord, type LogEvent, localIso } from '../ping-log/format.js';

export type View = 'raw' | 'pretty' | 'json';

const colours = { up: 'green', down: 'red', error: 'yellow' } as const;

export function toJson(e: LogEvent): string {
  return JSON.stringify(jsonRecord(e));
}

/** Aligned columns: time, host, seq, then the result, its status coloured when `colour`. */
export function toPretty(e: LogEvent, colour: boolean, hostWidth = 15): string {
  const time = e.time ? localIso(e.time).replace('T', ' ').slice(0, 23) : '?'.padEnd(23);
  const host = (e.host ?? '').padEnd(hostWidth);
  const seq = e.seq === undefined ? '' : `#${e.seq}`;
  const head = `${time}  ${host}  ${seq.padStart(7)}`;
  if (e.event === 'start') return `${head}  ${colour ? styleText('dim', 'start') : 'start'}`;
  const status = (e.status ?? '?').padEnd(5);
  const shown = colour && e.status ? styleText(colours[e.status], status) : status;
  // Three decimals always, so that the column lines up on its decimal point.
  const rtt = e.rttMs === undefined ? '' : `${e.rttMs.toFixed(3)} ms`;
  const loss = e.lossPct === undefined ? '' : `${e.lossPct}% loss`;
  const parts = [shown, rtt.padStart(10), loss.padStart(10)];
  if (e.error !== undefined) parts.push(e.error);
  return `${head}  ${parts.join('  ')}`.trimEnd();
}

export function render(
  view: View,
  line: string,
  event: LogEvent | undefined,
  colour: boolean,
): string {
  if (view === 'raw' || !event) return view === 'json' && !event ? '' : line;
  return view === 'json' ? toJson(event) : toPretty(event, colour);
}
