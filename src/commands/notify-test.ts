// `ping-daemon notify-test [--host H]`: a `test` notification through the channels the daemon
// would use for H (the first host when none is named), from the foreground, each channel's
// outcome printed; exit 0 only if every channel took it.
import { pino } from 'pino';
import { notification } from '../alerts/event.js';
import { Notifier } from '../alerts/notifier.js';
import type { CommandContext } from '../command-line/context.js';
import { canonicalHost } from '../config/host.js';
import type { Target } from '../config/targets.js';
import { ControlError, ExitCode } from '../errors.js';
import { checkPrivilegeDrop, resolveIdentity } from '../lifecycle/privileges.js';

/** The target H as the daemon would see it (with its own channels from the config file). */
function targetOf(context: CommandContext): Target {
  const settings = context.settings('daemon');
  const [typed] = settings.targets;
  if (typed === undefined || !context.typed('--host', '-H')) return typed as Target;
  // `--host H` replaced the configured hosts; H's own entry in the config file, if it has one,
  // names its channels.
  const args = context.invocation.args;
  const without = args.filter(
    (a, i) => !/^(--host|-H)(=|$)/.test(a) && !/^(--host|-H)$/.test(args[i - 1] ?? ''),
  );
  try {
    const configured = context.settings('daemon', { ...context.invocation, args: without });
    return configured.targets.find((t) => t.host === canonicalHost(typed.host)) ?? typed;
  } catch {
    return typed;
  }
}

export async function notifyTestCommand(context: CommandContext): Promise<number> {
  const target = targetOf(context);
  const { notify } = target;
  if (
    notify.onChange === undefined &&
    notify.webhooks.length === 0 &&
    notify.alertmanagers.length === 0
  ) {
    throw new ControlError(
      `no channel for ${target.host}: set --on-change, --webhook or --alertmanager (or onChange, webhook, alertmanager in the config file)`,
      ExitCode.failure,
    );
  }
  // The hook runs as the daemon would run it: as --user, after the drop, when one is named.
  const { user, group } = context.settings('daemon');
  checkPrivilegeDrop(user, group);
  const who = resolveIdentity(user, group);
  const notifier = new Notifier({
    logger: pino({ level: 'silent' }),
    runAs: who && { uid: who.uid, gid: who.gid },
  });
  const now = new Date();
  const test = notification(
    target.host,
    {
      kind: 'change',
      state: 'unknown',
      previous: 'unknown',
      reason: 'a test from ping-daemon notify-test',
      since: now,
      durationS: undefined,
      rttMs: undefined,
      lossPct: undefined,
      notify: true,
    },
    0,
    'test',
  );
  const outcomes = await notifier.deliver(test, notify);
  for (const { channel, target: to, delivery } of outcomes) {
    process.stdout.write(
      `${channel} ${to}: ${delivery.ok ? 'ok' : 'failed'} (${delivery.detail})\n`,
    );
  }
  return outcomes.every((o) => o.delivery.ok) ? ExitCode.ok : ExitCode.failure;
}
