// Search snippets arrive as plain text with matched words between \u0002 and \u0003 (see
// `SearchHit` in model.rs). They are split here into parts the UI renders as text, so nothing in
// a snippet is ever interpreted as markup.

const START = '\u0002';
const END = '\u0003';

export interface SnippetPart {
  text: string;
  match: boolean;
}

/** Splits a marked snippet into plain and matched runs. Unpaired markers are dropped. */
export function splitSnippet(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let match = false;
  let run = '';
  const flush = () => {
    if (run) parts.push({ text: run, match });
    run = '';
  };
  for (const ch of snippet) {
    if (ch === START || ch === END) {
      flush();
      match = ch === START;
    } else {
      run += ch;
    }
  }
  flush();
  return parts;
}
