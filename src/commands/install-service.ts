// `ping-daemon install-service [--dry-run] [--forking] [--root DIR]`: puts the systemd unit, the
// example config and the logrotate file in place.
import type { CommandContext } from '../command-line/context.js';
import { ExitCode } from '../errors.js';
import {
  configuredProber,
  install,
  installedBinary,
  plan,
  unstableBinary,
} from '../lifecycle/install.js';

export async function installServiceCommand(context: CommandContext): Promise<number> {
  const root = String(context.argv.root ?? '/');
  const bin = typeof context.argv.bin === 'string' ? context.argv.bin : installedBinary();
  const dryRun = context.argv.dryRun === true;
  const unstable = typeof context.argv.bin === 'string' ? undefined : unstableBinary(bin);
  if (unstable) process.stderr.write(`ping-daemon: warning: ${unstable}\n`);
  const { prober, from, problem } = configuredProber(root);
  const steps = plan({ root, bin, forking: context.argv.forking === true, prober });
  const lines = install(steps, dryRun);
  lines.push(
    problem === undefined
      ? `V8 flags for the ${prober} prober (${from}); after changing "prober", install again`
      : `V8 flags for the ping prober: ${problem}`,
  );
  const next = dryRun ? 'then' : 'next';
  process.stdout.write(
    `${lines.join('\n')}\n${next}: systemctl daemon-reload && systemctl enable --now ping-daemon\n`,
  );
  return ExitCode.ok;
}
