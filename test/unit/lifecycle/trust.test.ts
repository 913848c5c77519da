import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type TrustParts, trustProblem } from '../../../src/lifecycle/trust.js';

type Entry = { uid: number; gid: number; mode: number; link?: string };

/** A file system of `entries` (mode with its type bits: 0o40000 a directory). */
function fs(entries: Record<string, Entry>): TrustParts {
  const get = (path: string): Entry => {
    const e = entries[path];
    if (!e) throw Object.assign(new Error(path), { code: 'ENOENT' });
    return e;
  };
  return {
    lstat: (path) => {
      const e = get(path);
      return {
        ...e,
        isSymbolicLink: () => e.link !== undefined,
        isDirectory: () => (e.mode & 0o40000) !== 0,
      };
    },
    realpath: (path) => {
      const link = Object.entries(entries).find(([p, e]) => e.link && path.startsWith(p));
      if (link) return path.replace(link[0], link[1].link as string);
      get(path); // throws for a path that is not there, as realpath does
      return path;
    },
  };
}

const dir = (uid: number, mode: number, gid = 0): Entry => ({ uid, gid, mode: 0o40000 | mode });
const file = (uid: number, mode: number, gid = 0): Entry => ({ uid, gid, mode: 0o100000 | mode });
const base = {
  '/': dir(0, 0o755),
  '/usr': dir(0, 0o755),
  '/usr/local': dir(0, 0o755),
  '/usr/local/bin': dir(0, 0o755),
  '/usr/local/bin/page': file(0, 0o755),
  '/tmp': dir(0, 0o1777),
  '/tmp/root-only': dir(0, 0o700),
  '/tmp/root-only/hook': file(0, 0o755),
  '/tmp/hook': file(0, 0o755),
  '/home': dir(0, 0o755),
  '/home/alice': dir(1000, 0o755, 1000),
  '/home/alice/hook': file(0, 0o755),
  '/srv': dir(0, 0o775, 50),
  '/srv/hook': file(0, 0o755),
  '/opt': dir(0, 0o775, 0),
  '/opt/hook': file(0, 0o775, 0),
  '/etc': dir(0, 0o755),
  '/etc/hook': file(0, 0o757),
  '/usr/local/bin/link': { uid: 0, gid: 0, mode: 0o120777, link: '/home/alice/hook' },
};

describe('trustProblem', () => {
  const check = (path: string, trusted = [0]) => trustProblem(path, trusted, fs(base));

  it('trusts what only root can change', () => {
    assert.equal(check('/usr/local/bin/page'), undefined);
    assert.equal(check('/opt/hook'), undefined, "root's group may write");
    assert.equal(check('/tmp/root-only/hook'), undefined, 'a sticky /tmp above is fine');
  });

  it('refuses a file or a directory above it that another user owns or can write', () => {
    assert.equal(check('/home/alice/hook'), '/home/alice is owned by uid 1000');
    assert.equal(check('/srv/hook'), '/srv can be written by group 50');
    assert.equal(check('/etc/hook'), '/etc/hook can be written by everyone');
    assert.equal(check('/tmp'), '/tmp can be written by everyone', 'sticky only helps above');
  });

  it("refuses a root-owned file straight in /tmp only if it is itself writable: its owner's to replace", () => {
    assert.equal(check('/tmp/hook'), undefined);
  });

  it('follows a link and checks where it leads', () => {
    assert.equal(check('/usr/local/bin/link'), '/home/alice is owned by uid 1000');
  });

  it('trusts the --user as well as root', () => {
    assert.equal(check('/home/alice/hook', [0, 1000]), undefined);
    assert.equal(check('/srv/hook', [0, 1000]), '/srv can be written by group 50');
  });
});
