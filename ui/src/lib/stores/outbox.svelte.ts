// Replies on their way out: the core's outbox (queued, sending, refused, recently sent), and
// the reply drafts, one per conversation. Drafts live in memory and in
// localStorage, so switching conversations (or restarting) never loses a half-written reply.
import type { OutboxItem } from '$lib/bindings/OutboxItem';
import * as ipc from '$lib/ipc';
import { errorMessage } from '$lib/ipc/errors';
import { showError } from './toasts.svelte';

const DRAFTS_KEY = 'hearth.replyDrafts';

/** How long a sent reply stays listed under its thread (by then the sync shows it there). */
export const SENT_SHOWN_MS = 15 * 60_000;

function readDrafts(): Record<number, string> {
  try {
    const saved = JSON.parse(localStorage.getItem(DRAFTS_KEY) ?? '{}');
    return typeof saved === 'object' && saved !== null ? saved : {};
  } catch {
    return {};
  }
}

export const outbox = $state({
  items: [] as OutboxItem[],
  drafts: readDrafts() as Record<number, string>,
  /** Conversations whose reply is being handed to the core right now. */
  queueing: {} as Record<number, boolean>,
  /** Why the core refused to queue a conversation's reply, shown by its composer. */
  errors: {} as Record<number, string>,
});

let listRequest = 0;

function saveDrafts() {
  try {
    localStorage.setItem(DRAFTS_KEY, JSON.stringify(outbox.drafts));
  } catch {
    // Private mode or a full disk: the drafts still live in memory for this session.
  }
}

export function draftFor(conversationId: number): string {
  return outbox.drafts[conversationId] ?? '';
}

export function setDraft(conversationId: number, body: string) {
  if (body === '') delete outbox.drafts[conversationId];
  else outbox.drafts[conversationId] = body;
  delete outbox.errors[conversationId];
  saveDrafts();
}

/** A conversation's replies, oldest first. */
export function itemsFor(conversationId: number, now = Date.now()): OutboxItem[] {
  return outbox.items.filter(
    (item) =>
      item.conversationId === conversationId &&
      (item.state !== 'sent' || now - (item.sentAt ?? now) < SENT_SHOWN_MS),
  );
}

/** Reloads the outbox: what waits, and what the core sent in the last few minutes. */
export async function loadOutbox() {
  const request = ++listRequest;
  try {
    const fresh = await ipc.outboxList(Date.now() - SENT_SHOWN_MS);
    if (request !== listRequest) return;
    outbox.items = fresh;
  } catch {
    // The outbox is a side panel; the thread stays usable, and the next sync event retries.
  }
}

/** Queues the conversation's draft, to go now or (send later) not before `sendAfter`; the
 * draft is cleared once the core has it. */
export async function queueReply(
  conversationId: number,
  sendAfter: number | null = null,
): Promise<boolean> {
  const body = draftFor(conversationId);
  if (!body.trim() || outbox.queueing[conversationId]) return false;
  outbox.queueing[conversationId] = true;
  delete outbox.errors[conversationId];
  try {
    const item = await ipc.replyQueue(conversationId, body, sendAfter);
    outbox.items = [...outbox.items.filter((i) => i.id !== item.id), item];
    // Only clear what was queued: typing that arrived meanwhile stays.
    if (draftFor(conversationId) === body) setDraft(conversationId, '');
    return true;
  } catch (error) {
    outbox.errors[conversationId] = errorMessage(error);
    return false;
  } finally {
    delete outbox.queueing[conversationId];
  }
}

export async function retryItem(id: number) {
  try {
    const item = await ipc.outboxRetry(id);
    replace(item);
  } catch (error) {
    showError(error);
  }
}

/** Drops a reply that was not sent; it comes back if the core refuses. */
export async function discardItem(id: number) {
  const index = outbox.items.findIndex((item) => item.id === id);
  if (index === -1) return;
  const [item] = outbox.items.splice(index, 1);
  try {
    await ipc.outboxCancel(id);
  } catch (error) {
    outbox.items.splice(Math.min(index, outbox.items.length), 0, item);
    showError(error);
  }
}

function replace(item: OutboxItem) {
  const index = outbox.items.findIndex((i) => i.id === item.id);
  if (index === -1) outbox.items.push(item);
  else outbox.items[index] = item;
}
