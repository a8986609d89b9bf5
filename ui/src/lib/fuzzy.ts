// Fuzzy matching for pickers: every character of the query appears in order in the text
// (case and accents ignored). Better matches first: a prefix, then words starting with the
// query, then the tightest spread of matched characters, then the shorter text.

function fold(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase();
}

/** A score for `text` against `query` (lower is better), or null when it does not match. */
export function fuzzyScore(text: string, query: string): number | null {
  const t = fold(text);
  const q = fold(query).replace(/\s+/g, ' ').trim();
  if (!q) return 0;
  if (t.startsWith(q)) return 0 + t.length / 1000;
  const word = t.indexOf(` ${q}`);
  if (word !== -1) return 1 + word / 100 + t.length / 1000;
  let at = -1;
  let first = -1;
  for (const c of q) {
    at = t.indexOf(c, at + 1);
    if (at === -1) return null;
    if (first === -1) first = at;
  }
  return 2 + (at - first - q.length) / 10 + t.length / 1000;
}

/** `items` that match `query`, best first. */
export function fuzzyFilter<T>(items: T[], query: string, text: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, score: fuzzyScore(text(item), query) }))
    .filter((x): x is { item: T; score: number } => x.score !== null)
    .sort((a, b) => a.score - b.score)
    .map((x) => x.item);
}
