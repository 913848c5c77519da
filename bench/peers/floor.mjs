// The floor: the least a Node program can do for the same workload. ping.promise.probe on a
// timer, two appended lines per tick. Usage: node floor.mjs HOST INTERVAL_MS LOG
import { appendFileSync } from 'node:fs';
import ping from 'ping';

const [host, interval, log] = process.argv.slice(2);
let seq = 0;
setInterval(async () => {
  const n = ++seq;
  appendFileSync(log, `start time---------:${new Date().toISOString()} seq=${n}\n`);
  const r = await ping.promise.probe(host, { timeout: 1 });
  appendFileSync(
    log,
    `end of time--------:${new Date().toISOString()} seq=${n} alive=${r.alive}\n`,
  );
}, Number(interval));
