// Where the program's own files are. This module sits at the top of src/ (dist/ when built, where
// the bundle's chunks sit beside cli.js), so its URL is the one anchor the others resolve from.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The CLI's entry point, which the daemon and the units run. */
export const CLI = fileURLToPath(new URL('./cli.js', import.meta.url));
/** The package's own files: package.json, config/, systemd/. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The version in package.json, for yargs' `--version` (a small read at each parse). */
export function packageVersion(): string {
  try {
    const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return typeof version === 'string' ? version : 'unknown';
  } catch {
    return 'unknown';
  }
}
