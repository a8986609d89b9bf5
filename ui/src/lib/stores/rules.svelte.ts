// Settings → Rules, Views and Team: the rules that rank the inbox (written in words, checked by
// the core as they are typed), the saved views, and the team that assignment offers.
import type { Rule } from '$lib/bindings/Rule';
import type { RuleDraft } from '$lib/bindings/RuleDraft';
import type { RuleWord } from '$lib/bindings/RuleWord';
import type { TeamMember } from '$lib/bindings/TeamMember';
import type { ViewDraft } from '$lib/bindings/ViewDraft';
import * as ipc from '$lib/ipc';
import { loadInbox, loadViews } from './inbox.svelte';
import { showError, showToast } from './toasts.svelte';

export const rules = $state({
  list: [] as Rule[],
  words: [] as RuleWord[],
  team: [] as TeamMember[],
  loaded: false,
});

export async function loadRules() {
  try {
    const [list, words, team] = await Promise.all([
      ipc.rulesList(),
      ipc.ruleWords(),
      ipc.teamList(),
    ]);
    rules.list = list;
    rules.words = words;
    rules.team = team;
    rules.loaded = true;
  } catch (error) {
    showError(error);
  }
}

/** The rule's conditions and effects as the lines a person would type. */
export function draftOf(rule: Rule): RuleDraft {
  return { name: rule.name, enabled: rule.enabled, when: rule.whenWords, then: rule.thenWords };
}

/** After a change of rules the inbox ranks differently: its counts and rows are read again. */
function afterChange() {
  void loadInbox();
}

/** Saves a rule (a new one when `id` is null); true when the core agreed. */
export async function saveRule(id: number | null, draft: RuleDraft): Promise<boolean> {
  try {
    const saved = await ipc.ruleSave(id, draft);
    rules.list = id === null ? [...rules.list, saved] : rules.list.map((r) => (r.id === id ? saved : r));
    showToast(`Rule “${saved.name}” saved: it matches ${saved.matching} open conversations`);
    afterChange();
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}

export async function enableRule(id: number, enabled: boolean) {
  try {
    const saved = await ipc.ruleEnable(id, enabled);
    rules.list = rules.list.map((r) => (r.id === id ? saved : r));
    afterChange();
  } catch (error) {
    showError(error);
  }
}

/** Deletes a rule; the toast's Undo adds it again (at the end of the list). */
export async function removeRule(rule: Rule) {
  try {
    await ipc.ruleRemove(rule.id);
    rules.list = rules.list.filter((r) => r.id !== rule.id);
    afterChange();
    showToast(`Rule “${rule.name}” deleted`, {
      label: 'Undo',
      run: () => void saveRule(null, draftOf(rule)),
    });
  } catch (error) {
    showError(error);
  }
}

/** Saves a view (a new one when `key` is null); true when the core agreed. */
export async function saveView(key: string | null, draft: ViewDraft): Promise<boolean> {
  try {
    const saved = await ipc.viewSave(key, draft);
    await loadViews();
    showToast(
      `View “${saved.name}” saved: ${saved.count} conversations${saved.letter ? ` · g ${saved.letter} opens it` : ''}`,
    );
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}

export async function removeView(key: string, name: string) {
  try {
    await ipc.viewRemove(key);
    await loadViews();
    showToast(`View “${name}” deleted`);
  } catch (error) {
    showError(error);
  }
}

/** A view's own reply-time target (null: the workspace's). */
export async function setViewTarget(key: string, hours: number | null) {
  try {
    const view = await ipc.viewTarget(key, hours);
    await loadViews();
    showToast(`${view.name}: replies due within ${view.replyTargetHours} h`);
  } catch (error) {
    showError(error);
  }
}

export async function addTeamMember(name: string): Promise<boolean> {
  try {
    rules.team = await ipc.teamAdd(name);
    return true;
  } catch (error) {
    showError(error);
    return false;
  }
}

export async function removeTeamMember(name: string) {
  try {
    rules.team = await ipc.teamRemove(name);
  } catch (error) {
    showError(error);
  }
}
