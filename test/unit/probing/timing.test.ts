import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultTimeoutMs,
  interruptGraceMs,
  killDelayMs,
  minimumTimeoutMs,
  PACKET_GAP_MS,
  replyWaitMs,
} from '../../../src/probing/timing.js';

describe('probe timing', () => {
  it('defaults the timeout to 2 s, or 80 % of a shorter interval', () => {
    assert.equal(defaultTimeoutMs(60_000), 2000);
    assert.equal(defaultTimeoutMs(1000), 800);
    assert.equal(defaultTimeoutMs(50), 40);
  });
  it('needs room for the gaps between packets and a last reply', () => {
    assert.equal(minimumTimeoutMs(1), 5);
    assert.equal(minimumTimeoutMs(3), 2 * PACKET_GAP_MS + 5);
  });
  it("gives ping's reply wait what the gaps leave of the timeout", () => {
    assert.equal(replyWaitMs(1000, 1), 1000);
    assert.equal(replyWaitMs(1000, 3), 600);
    // The shortest timeout a count allows still leaves a wait, never zero (iputils: forever).
    for (const count of [1, 2, 10]) assert.ok(replyWaitMs(minimumTimeoutMs(count), count) > 0);
  });
  it('gives ping a little grace past its timeout, never more than half a second', () => {
    assert.equal(killDelayMs(80), 96);
    assert.equal(killDelayMs(150), 180);
    assert.equal(killDelayMs(400), 480);
    assert.equal(killDelayMs(800), 900);
    assert.equal(killDelayMs(2000), 2250);
    assert.equal(killDelayMs(60_000), 60_500);
  });
  it('kills what ignores the interrupt 20 to 100 ms after it', () => {
    assert.equal(interruptGraceMs(40), 20);
    assert.equal(interruptGraceMs(300), 75);
    assert.equal(interruptGraceMs(60_000), 100);
  });
});
