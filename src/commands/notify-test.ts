// `ping-daemon notify-test [--host H]`: a `test` notification through every channel, from the
// foreground, each channel's outcome printed; exit 0 only if every channel took it. Which
// channels: those typed here (or in the config file named here); else those of the daemon
// running here, read as it reads them; else those of the config file and environment. No host is
// needed: without --host, each channel is tested once, in the name of a host that uses it.
import { hostname } from 'node:os';
import { pino } from 'pino';
import { notification } from '../alerts/event.js';
import { Notifier } from '../alerts/notifier.js';
import type { CommandContext, Invocation } from '../command-line/context.js';
import { canonicalHost } from '../config/host.js';
import type { Settings } from '../config/settings.js';
import type { Channels, Target } from '../config/targets.js';
import { ControlError, ExitCode, UsageError } from '../errors.js';
import { inspectPidFile } from '../lifecycle/pid-file.js';
import { checkPrivilegeDrop, resolveIdentity } from '../lifecycle/privileges.js';
import { processIdentity } from '../lifecycle/proc.js';
import { adoptEnvironment, asStart, lostSecret } from '../lifecycle/started-as.js';
import { readState, stateFilePath } from '../lifecycle/state-file.js';

const CHANNEL_FLAGS = ['--on-change', '--webhook', '--alertmanager', '--config', '-c'];

/** The running daemon's own command line and environment, as a `start`, if one runs here. */
function daemonInvocation(
  context: CommandContext,
):
  | { invocation: Invocation; pid: number; runAs: { uid: number; gid: number } | undefined }
  | undefined {
  const pidFile = context.pidFile();
  let found: ReturnType<typeof inspectPidFile>;
  try {
    found = inspectPidFile(pidFile);
  } catch {
    return undefined;
  }
  if (found.state !== 'running') return undefined;
  const was = readState(stateFilePath(pidFile), found.pid)?.invocation;
  if (!was) return undefined;
  if (lostSecret(was)) {
    throw new ControlError(
      `the running daemon (pid ${found.pid}) was given its webhook on its command line, which is not kept; name the channels here (--webhook, --on-change, --alertmanager)`,
      ExitCode.failure,
    );
  }
  // Its PING_DAEMON_* settings, not this shell's.
  adoptEnvironment(was.env);
  return {
    invocation: { args: asStart(was.args), cwd: was.cwd, uid: context.invocation.uid },
    pid: found.pid,
    runAs: processIdentity(found.pid),
  };
}

/**
 * Settings without a host are fine here (a test notification pings nothing): `hostless` then,
 * and the notification is in this machine's name.
 */
function settingsOf(
  context: CommandContext,
  from: Invocation,
): { settings: Settings; hostless: boolean } {
  try {
    return { settings: context.settings('daemon', from), hostless: false };
  } catch (err) {
    if (!(err instanceof UsageError && err.message.startsWith('no host to ping'))) throw err;
    const args = [...from.args, '--host', '127.0.0.1'];
    return { settings: context.settings('daemon', { ...from, args }), hostless: true };
  }
}

/** The targets whose channels are tested: the typed host's, or every host's. */
function targetsOf(context: CommandContext): {
  targets: Target[];
  settings: Settings;
  hostless: boolean;
  /** Whom the daemon whose channels these are runs as. */
  daemonIdentity?: { uid: number; gid: number } | undefined;
} {
  const own = CHANNEL_FLAGS.some((f) => context.typed(f));
  const daemon = own ? undefined : daemonInvocation(context);
  if (daemon) process.stdout.write(`the channels of the running daemon (pid ${daemon.pid}):\n`);
  const from = daemon?.invocation ?? context.invocation;
  const { settings, hostless } = settingsOf(context, from);
  if (daemon && context.typed('--host', '-H')) {
    // One of the daemon's hosts, with the channels the daemon gives it.
    const host = canonicalHost(String(context.argv.host));
    const targets = settings.targets.filter((t) => t.host === host);
    if (targets.length === 0) {
      throw new ControlError(
        `${host} is not one of the running daemon's hosts; name the channels here to test them for it`,
        ExitCode.failure,
      );
    }
    return { targets, settings, hostless: false, daemonIdentity: daemon.runAs };
  }
  const [typed] = settings.targets;
  if (!context.typed('--host', '-H') || typed === undefined) {
    return { targets: settings.targets, settings, hostless, daemonIdentity: daemon?.runAs };
  }
  // `--host H` replaced the configured hosts; H's own entry in the config file, if it has one,
  // names its channels.
  const args = from.args.filter(
    (a, i) => !/^(--host|-H)(=|$)/.test(a) && !/^(--host|-H)$/.test(from.args[i - 1] ?? ''),
  );
  let entry: Target | undefined;
  try {
    entry = context
      .settings('daemon', { ...from, args })
      .targets.find((t) => t.host === typed.host);
  } catch {
    // no host in the config file either: the typed one, with the global channels
  }
  return { targets: [entry ?? typed], settings, hostless: false };
}

/**
 * Each channel once: a hook program, a webhook or an Alertmanager that several hosts share is
 * tested once, in the name of the first host that uses it.
 */
export function distinctChannels(targets: Target[]): { host: string; channels: Channels }[] {
  const seen = new Set<string>();
  const out: { host: string; channels: Channels }[] = [];
  for (const { host, notify } of targets) {
    const fresh = (kind: string, target: string): boolean => {
      const key = `${kind} ${target}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    };
    const channels: Channels = {
      onChange:
        notify.onChange && fresh('exec', JSON.stringify(notify.onChange))
          ? notify.onChange
          : undefined,
      webhooks: notify.webhooks.filter((url) => fresh('webhook', url)),
      alertmanagers: notify.alertmanagers.filter((url) => fresh('alertmanager', url)),
      hookTimeoutMs: notify.hookTimeoutMs,
    };
    if (channels.onChange || channels.webhooks.length > 0 || channels.alertmanagers.length > 0)
      out.push({ host, channels });
  }
  return out;
}

export async function notifyTestCommand(context: CommandContext): Promise<number> {
  const { targets, settings, hostless, daemonIdentity } = targetsOf(context);
  const groups = distinctChannels(targets);
  if (groups.length === 0) {
    const what = context.typed('--host', '-H') ? `for ${targets[0]?.host}` : 'configured';
    throw new ControlError(
      `no channel ${what}: set --on-change, --webhook or --alertmanager (or onChange, webhook, alertmanager in the config file)`,
      ExitCode.failure,
    );
  }
  // The hook runs as the daemon would run it: as --user, after the drop, when one is named.
  const { user, group } = settings;
  checkPrivilegeDrop(user, group);
  const who = resolveIdentity(user, group);
  // A running daemon's hooks run as that daemon runs them: root testing the channels of a
  // daemon another user started (whose config that user wrote) does not run them as root.
  const runAs =
    (who && { uid: who.uid, gid: who.gid }) ??
    (process.getuid?.() === 0 && daemonIdentity && daemonIdentity.uid !== 0
      ? daemonIdentity
      : undefined);
  const notifier = new Notifier({
    logger: pino({ level: 'silent' }),
    runAs,
    vantage: settings.vantage,
  });
  const now = new Date();
  let ok = true;
  for (const { host, channels } of groups) {
    const test = notification(
      hostless ? hostname() : host,
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
    for (const { channel, target: to, delivery } of await notifier.deliver(test, channels)) {
      ok &&= delivery.ok;
      process.stdout.write(
        `${channel} ${to}: ${delivery.ok ? 'ok' : 'failed'} (${delivery.detail})\n`,
      );
    }
  }
  return ok ? ExitCode.ok : ExitCode.failure;
}
