// "Did you mean": the known word nearest a mistyped one. Pure.

/** Edit distance (Levenshtein). */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(
        above + 1,
        (row[j - 1] as number) + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/**
 * The candidate nearest `word`, compared without case and `--`, `-` or `_`, if one is near
 * enough: a prefix of three letters or more (`stat` of `status`), a swap of two letters, or at
 * most two edits (fewer for short words).
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string): string => s.replace(/^-+/, '').replace(/[-_]/g, '').toLowerCase();
  const typed = norm(word);
  let best: string | undefined;
  let bestDistance = Math.min(2.5, typed.length / 3 + 0.5);
  for (const candidate of candidates) {
    const bare = norm(candidate);
    if (bare === typed) return candidate;
    const swapped = [...typed].some(
      (_, i) => typed.slice(0, i) + typed[i + 1] + typed[i] + typed.slice(i + 2) === bare,
    );
    const d =
      bare.startsWith(typed) && typed.length >= 3 ? 0.5 : swapped ? 1 : distance(typed, bare);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
