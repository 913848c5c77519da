// The root of the Debian that test/e2e/systemd.test.ts boots in systemd-nspawn: built by
// debootstrap once per set of inputs, then reused from /var/tmp. Building it takes minutes on a
// new machine, longer than one test file may run, so CI builds it first (`node --import tsx
// test/helpers/container-root.ts`); the test builds it itself when run alone.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the container's root is built from: this machine's Debian release and mirror. */
function aptSource(): { suite: string; mirror: string } {
  const release = readFileSync('/etc/os-release', 'utf8');
  const suite = /^VERSION_CODENAME=(\w+)/m.exec(release)?.[1] ?? 'bookworm';
  const texts: string[] = [];
  for (const dir of ['/etc/apt/sources.list.d']) {
    for (const f of existsSync(dir) ? readdirSync(dir) : []) {
      if (f.endsWith('.sources') || f.endsWith('.list'))
        texts.push(readFileSync(join(dir, f), 'utf8'));
    }
  }
  if (existsSync('/etc/apt/sources.list'))
    texts.push(readFileSync('/etc/apt/sources.list', 'utf8'));
  for (const text of texts) {
    // deb822: a stanza with `Suites: bookworm ...` and `URIs: ...`.
    for (const stanza of text.split(/\n\s*\n/)) {
      const uri = /^URIs:\s*(\S+)/m.exec(stanza)?.[1];
      const suites = /^Suites:\s*(.+)$/m.exec(stanza)?.[1]?.split(/\s+/) ?? [];
      if (uri && suites.includes(suite) && /^Types:.*\bdeb\b/m.test(stanza))
        return { suite, mirror: uri };
    }
    // one-line format: `deb URI suite components`.
    const line = new RegExp(`^deb\\s+(?:\\[[^\\]]*\\]\\s+)?(\\S+)\\s+${suite}\\s`, 'm').exec(text);
    if (line?.[1]) return { suite, mirror: line[1] };
  }
  throw new Error(`no apt source for ${suite} on this machine`);
}

// libatomic1: the official Node 26 binary (CI's LTS run) needs it; Debian's own does not.
// rrdtool: the package recommends it (its history), and the container has no network to fetch it.
const PACKAGES = 'systemd,systemd-sysv,dbus,iputils-ping,logrotate,procps,libatomic1,rrdtool';
const CACHE = '/var/tmp/ping-daemon-nspawn';

/** The container's root: built by debootstrap once per set of inputs, then reused. */
export function containerRoot(): string {
  const { suite, mirror } = aptSource();
  const key = createHash('sha256')
    .update(`${suite} ${mirror} minbase ${PACKAGES} v1`)
    .digest('hex')
    .slice(0, 16);
  const root = join(CACHE, key);
  if (existsSync(join(root, 'usr/lib/systemd/systemd'))) return root;
  mkdirSync(CACHE, { recursive: true });
  const building = `${root}.building-${process.pid}`;
  execFileSync(
    'debootstrap',
    ['--variant=minbase', `--include=${PACKAGES}`, suite, building, mirror],
    { stdio: 'ignore', timeout: 600_000 },
  );
  rmSync(root, { recursive: true, force: true });
  renameSync(building, root);
  return root;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${containerRoot()}\n`);
}
