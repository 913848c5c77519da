// The environment every probe program runs in, in one place.
import { SYSTEM_PATH } from '../config/options.js';

/** Nothing inherited, and the C locale so that ping's and fping's messages can be matched. */
export const PING_ENV = { PATH: SYSTEM_PATH, LANG: 'C', LC_ALL: 'C' };
