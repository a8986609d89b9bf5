// Ideas for posts from elsewhere: a message in the inbox, a link pasted into the calendar. Says
// what such an idea is called, what it holds, and where a saved one came from.
import type { CalendarItem } from '$lib/bindings/CalendarItem';
import type { MessageView } from '$lib/bindings/MessageView';

/** How long an idea's title from a message may be, in characters, before it is cut. */
export const TITLE_CHARS = 60;
/** How much of a message an idea quotes. */
const BODY_CHARS = 2000;

/** The first words of `text`, on one line, cut at a word near `max` characters ("…" added). */
export function firstWords(text: string, max = TITLE_CHARS): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= max) return line;
  const cut = line.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space >= max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:–—-]+$/, '')}…`;
}

/** What a message says, or said before it was deleted. */
export const messageText = (message: MessageView) =>
  message.text.trim() || (message.revisions.at(-1)?.text ?? '').trim();

/** An idea from one message: titled by its first words, quoting it, saying who wrote it. */
export function messageIdea(message: MessageView): { title: string; body: string } {
  const text = messageText(message).slice(0, BODY_CHARS);
  const quote = text
    .split('\n')
    .map((line) => (line.trim() === '' ? '>' : `> ${line}`))
    .join('\n');
  const by = `— ${message.author.name}${message.url ? `, ${message.url}` : ''}`;
  return {
    title: firstWords(text) || `A message from ${message.author.name}`,
    body: text ? `${quote}\n\n${by}` : by,
  };
}

/** A pasted link read: its address and a readable title, or why it is not a link. */
export type LinkIdea = { url: string; title: string } | { problem: string };

const readable = (part: string) => {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
};

/**
 * An idea from a web link: titled by its site and path ("lumen.dev › blog › 3-2"), holding the
 * link. Only http and https links are taken (never javascript:, file: or the like).
 */
export function linkIdea(text: string): LinkIdea {
  const raw = text.trim();
  if (raw === '') return { problem: 'Paste a link (https://…) to make an idea of it.' };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { problem: 'That is not a link: paste a whole address, starting with https://.' };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return { problem: 'Only web links (http or https) can become ideas.' };
  }
  const host = url.hostname.replace(/^www\./, '');
  const path = url.pathname
    .split('/')
    .filter((part) => part !== '')
    .map(readable);
  const title = [host, ...path].join(' › ');
  return { url: url.href, title: firstWords(title, 120) };
}

/** Where a saved idea came from: an inbox conversation, a link, or neither. */
export type IdeaSource =
  | { kind: 'inbox'; conversationId: number }
  | { kind: 'link'; url: string }
  | null;

export function ideaSource(item: Pick<CalendarItem, 'sourceConversationId' | 'body'>): IdeaSource {
  if (item.sourceConversationId !== null) {
    return { kind: 'inbox', conversationId: item.sourceConversationId };
  }
  const body = item.body.trim();
  if (/^https?:\/\/\S+$/i.test(body) && !('problem' in linkIdea(body))) {
    return { kind: 'link', url: body };
  }
  return null;
}
