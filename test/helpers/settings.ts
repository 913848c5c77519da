// The built-in host-state rules and "no channel", as settings hold them, for tests that build
// targets by hand.
import type { AlertRules } from '../../src/alerts/state.js';
import type { Channels } from '../../src/config/targets.js';

export const defaultAlerts: AlertRules = {
  downAfter: 3,
  upAfter: 2,
  window: 20,
  degradedRttMs: undefined,
  degradedLossPct: undefined,
  remindEveryMs: undefined,
};

export const noChannels: Channels = {
  onChange: undefined,
  webhooks: [],
  alertmanagers: [],
  hookTimeoutMs: 10_000,
};
