import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { colourStates, fitWidth, wantsColour } from '../../../src/reading/terminal.js';

describe('status on a terminal', () => {
  it('fits the width, wrapping at a "; " and indenting the rest', () => {
    const line =
      '  127.0.0.1: up since 2026-12-05T12:00:00+01:00 (5m): 2 probes in a row answered; loss/median 1m 0%/34 µs, 5m 0%/35 µs, 15m 0%/36 µs';
    const lines = fitWidth([line, 'short'], 60);
    assert.ok(
      lines.every((l) => [...l].length <= 60),
      lines.join('\n'),
    );
    assert.equal(lines.at(-1), 'short');
    assert.ok(lines.slice(1, -1).every((l) => l.startsWith('    ')));
    assert.equal(
      lines
        .slice(0, -1)
        .map((l) => l.trim())
        .join(' '),
      line.trim(),
    );
  });

  it('colours the state after the host name, and only with a terminal and no NO_COLOR', () => {
    assert.deepEqual(colourStates(['  a.test: down since x', '    last probe: up']), [
      '  a.test: \u001b[1;31mdown\u001b[0m since x',
      '    last probe: up',
    ]);
    assert.equal(wantsColour(true, {}), true);
    assert.equal(wantsColour(true, { NO_COLOR: '1' }), false);
    assert.equal(wantsColour(false, {}), false);
  });
});
