// Whether a message's sanitised HTML would show anything. A platform may send HTML that the
// core's sanitiser empties (only a <script>, an <img>, empty tags): rendering it would show a
// blank message, so the thread falls back to the plain text.

// Elements whose text is never shown, even if a sanitiser let one through.
const UNSEEN = 'script, style, template, noscript, head';
// Whitespace `trim()` keeps: zero-width spaces and joiners, word joiner, byte-order mark.
const INVISIBLE = /[\s\u200b-\u200d\u2060\ufeff]/g;

/** True when the HTML has text a person would see once rendered. Parsing never runs scripts. */
export function hasVisibleText(html: string): boolean {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const hidden of doc.querySelectorAll(UNSEEN)) hidden.remove();
  return (doc.body?.textContent ?? '').replace(INVISIBLE, '') !== '';
}
