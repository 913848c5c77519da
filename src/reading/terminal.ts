// `status` on a terminal: lines that fit its width (wrapped at a `; ` or `, `, the rest indented
// under the line's start) and states in colour, unless NO_COLOR is set. Pure.

/** Wraps each line longer than `columns` at its last `; `, `, ` or space that fits. */
export function fitWidth(lines: string[], columns: number): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const indent = ' '.repeat(Math.min(12, (/^ */.exec(line)?.[0].length ?? 0) + 2));
    let rest = line;
    while ([...rest].length > columns && columns > indent.length + 20) {
      const head = rest.slice(0, columns);
      const at = Math.max(head.lastIndexOf('; '), head.lastIndexOf(', '));
      const cut = at > indent.length + 10 ? at + 1 : head.lastIndexOf(' ');
      if (cut <= indent.length) break;
      out.push(rest.slice(0, cut).trimEnd());
      rest = indent + rest.slice(cut).trimStart();
    }
    out.push(rest);
  }
  return out;
}

const COLOURS: Record<string, string> = {
  up: '\u001b[32m',
  down: '\u001b[1;31m',
  degraded: '\u001b[33m',
  unknown: '\u001b[90m',
};

/** The state word after a host's name (`  host: down since …`) in its colour. */
export function colourStates(lines: string[]): string[] {
  return lines.map((line) =>
    line.replace(
      /^( {2}\S+: (?:unresolved; )?)(up|down|degraded|unknown)\b/,
      (_, head: string, state: string) => `${head}${COLOURS[state]}${state}\u001b[0m`,
    ),
  );
}

/** Whether to colour: a terminal, and no NO_COLOR (https://no-color.org). */
export function wantsColour(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  return isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}
