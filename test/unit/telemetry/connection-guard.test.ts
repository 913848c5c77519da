import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  capFor,
  excess,
  type Held,
  makeRoom,
  ownersByPort,
  roomAt,
} from '../../../src/telemetry/connection-guard.js';

const limits = { total: 4, perPeer: 2 };
const silent = (peer: string): Held => ({ peer, busy: false, heard: false });
const idle = (peer: string): Held => ({ peer, busy: false, heard: true });
const busy = (peer: string): Held => ({ peer, busy: true, heard: true });
const young = (peer: string): Held => ({ peer, busy: false, heard: false, young: true });

describe('excess', () => {
  it('closes nothing within the limits', () => {
    assert.deepEqual(excess([], limits), []);
    assert.deepEqual(excess([idle('a'), idle('a'), idle('b'), idle('c')], limits), []);
  });

  it("a peer over its share loses its own connections, never another's", () => {
    assert.deepEqual(excess([idle('b'), idle('a'), idle('a'), idle('a')], limits), [1]);
  });

  it('closes those that never sent a byte first, then the oldest idle', () => {
    assert.deepEqual(excess([idle('a'), idle('a'), silent('a'), idle('a')], limits), [0, 2]);
  });

  it('never closes a connection whose request is being answered', () => {
    assert.deepEqual(excess([busy('a'), busy('a'), busy('a')], limits), []);
    assert.deepEqual(excess([busy('a'), busy('a'), silent('a')], limits), [2]);
  });

  it('a full listener closes the connections of the peer holding the most', () => {
    const held = [idle('b'), idle('a'), idle('c'), idle('a'), idle('d'), idle('e')];
    assert.deepEqual(excess(held, limits), [0, 1]);
  });

  it('a scrape among 300 silent connections of its own peer stays', () => {
    const held = [...Array(150).fill(silent('l')), idle('l'), ...Array(150).fill(silent('l'))];
    const gone = excess(held, { total: 64, perPeer: 16 });
    assert.equal(gone.length, 301 - 16);
    assert.ok(!gone.includes(150));
  });
});

describe('excess and the young', () => {
  it('spares a connection that has sent nothing yet while it is young', () => {
    assert.deepEqual(excess([young('a'), young('a'), young('a')], limits), []);
    assert.deepEqual(excess([silent('a'), young('a'), young('a'), idle('a')], limits), [0, 3]);
  });
});

describe('makeRoom', () => {
  it('at the cap closes the oldest idle of anyone, those that sent nothing first, never a busy one', () => {
    const held = [busy('a'), idle('b'), silent('c'), silent('a'), idle('a')];
    assert.deepEqual(makeRoom(held, 2), [1, 2, 3]);
    assert.deepEqual(makeRoom(held, 5), []);
    assert.deepEqual(makeRoom([busy('a'), busy('a')], 1), []);
  });

  it('a scrape not yet read, amid a wave of reconnects, stays at the cap', () => {
    // 100 older silent connections, the scrape, then 155 reconnects: 256 held.
    const held = [...Array(100).fill(silent('l')), young('l'), ...Array(155).fill(young('l'))];
    const gone = makeRoom(held, roomAt(256));
    assert.equal(gone.length, 32);
    assert.ok(!gone.includes(100));
  });
});

describe('capFor', () => {
  it("a quarter of the descriptors, at most 256, at least a peer's share", () => {
    assert.equal(capFor(1_048_576), 256);
    assert.equal(capFor(Number.POSITIVE_INFINITY), 256);
    assert.equal(capFor(256), 64);
    assert.equal(capFor(40), 16);
    assert.equal(roomAt(64), 56);
  });
});

describe('ownersByPort', () => {
  it("reads the clients' ends of connections to the port, and their owners", () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1062 1',
      '   1: 0100007F:877D 0100007F:1F90 01 00000000:00000000 00:00000000 00000000 65534        0 2 1',
      '   2: 0100007F:1F90 0100007F:877D 01 00000000:00000000 00:00000000 00000000     0        0 3 1',
      '   3: 0100007F:877E 0100007F:1F90 01 00000000:00000000 00:00000000 00000000   117        0 4 1',
      '   4: 0100007F:9000 0100007F:1F91 01 00000000:00000000 00:00000000 00000000  1000        0 5 1',
    ].join('\n');
    assert.deepEqual(
      ownersByPort(table, 0x1f90),
      new Map([
        [0x877d, 65534],
        [0x877e, 117],
      ]),
    );
  });
});
