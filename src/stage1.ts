// Stage 1 of `start` (see daemonize.ts): a session leader that only starts the daemon and exits.
// Kept apart from cli.ts so that it loads nothing it does not need.
import { stage1 } from './daemonize.js';

stage1(process.argv.slice(2));
