// Every keyboard shortcut, as the `?` overlay lists them. The handlers live with their views;
// keep this list in step with them.

export interface Shortcut {
  keys: string[];
  does: string;
}

export const SHORTCUTS: { group: string; items: Shortcut[] }[] = [
  {
    group: 'Anywhere',
    items: [
      { keys: ['g', 'i'], does: 'Go to Inbox (also 1)' },
      { keys: ['g', 'm'], does: 'Go to Members (also 2)' },
      { keys: ['g', 'c'], does: 'Go to Calendar (also 3)' },
      { keys: ['g', 'h'], does: 'Go to the Dashboard: community health (also 4)' },
      { keys: ['g', 'o'], does: 'Go to Moderation: flagged messages, rules, guidelines (also 5)' },
      { keys: ['g', 's'], does: 'Go to Settings' },
      { keys: ['S'], does: 'Sync every account now (Shift+S)' },
      { keys: ['/'], does: 'Search messages and notes' },
      { keys: ['?'], does: 'Show or hide this list' },
      { keys: ['Esc'], does: 'Close a menu, dialog or search' },
      { keys: ['Ctrl+='], does: 'Larger text (Ctrl+- smaller, Ctrl+0 back to 100%)' },
    ],
  },
  {
    group: 'Moderation',
    items: [
      { keys: ['j'], does: 'Next flagged message' },
      { keys: ['k'], does: 'Previous flagged message' },
      { keys: ['x'], does: 'Dismiss a false flag (never raised again)' },
      { keys: ['Enter'], does: 'Open the conversation in the inbox' },
    ],
  },
  {
    group: 'Inbox',
    items: [
      { keys: ['j'], does: 'Next conversation' },
      { keys: ['k'], does: 'Previous conversation' },
      { keys: ['Enter'], does: 'Focus the thread' },
      { keys: ['e'], does: 'Mark done' },
      { keys: ['w'], does: 'Waiting on the member (back when they write)' },
      { keys: ['s'], does: 'Snooze… (then 1–4 to pick a time)' },
      { keys: ['t'], does: 'Tag…' },
      { keys: ['a'], does: 'Assign… (Enter assigns)' },
      { keys: ['p'], does: 'Priority… (then 0–4, none to urgent)' },
      { keys: ['o'], does: 'Reopen (waiting, snoozed or done)' },
      {
        keys: ['i'],
        does: 'Make a post idea of it, or of the message in focus (in the calendar, linked back)',
      },
      { keys: ['m'], does: 'Show or hide who the conversation is with' },
      { keys: ['x'], does: 'Pick for a bulk action (e, w, s, t, a, p then act on all picked)' },
      { keys: ['J'], does: 'Pick this and the next conversation (Shift+J)' },
      { keys: ['K'], does: 'Pick this and the previous conversation (Shift+K)' },
      { keys: ['u'], does: 'Undo the last status change (exactly as it was)' },
      { keys: ['r'], does: 'Reply (Ctrl+Enter queues it, Esc leaves)' },
    ],
  },
  {
    group: 'Members',
    items: [
      { keys: ['j'], does: 'Next member' },
      { keys: ['k'], does: 'Previous member' },
      { keys: ['Esc'], does: 'Leave the member search (then j and k)' },
      { keys: ['m'], does: 'Merge: pick a member, then m on who they are' },
      { keys: ['d'], does: 'Review possible duplicates' },
    ],
  },
  {
    group: 'Possible duplicates',
    items: [
      { keys: ['a'], does: 'Accept: one person, merge them' },
      { keys: ['x'], does: 'Reject: two people, never suggested again' },
      { keys: ['j'], does: 'Skip: look at it later' },
      { keys: ['u'], does: 'Undo the last decision' },
      { keys: ['Esc'], does: 'Done reviewing' },
    ],
  },
  {
    group: 'Calendar',
    items: [
      { keys: ['m'], does: 'Month view' },
      { keys: ['w'], does: 'Week view' },
      { keys: ['l'], does: 'List: the next four weeks, day by day' },
      { keys: ['←'], does: 'Previous month, week or four weeks' },
      { keys: ['→'], does: 'Next month, week or four weeks' },
      { keys: ['.'], does: 'Today' },
      { keys: ['n'], does: 'New post' },
      { keys: ['a'], does: 'Approve the post in focus, or the one open in the editor' },
      { keys: ['s'], does: 'Put the post in focus in the next free posting slot' },
      { keys: ['Alt+←'], does: 'Move the post in focus a day earlier (Alt+→: a day later)' },
      { keys: ['Alt+↑'], does: 'Move the post in focus a week earlier (Alt+↓: a week later)' },
    ],
  },
  {
    group: 'Settings',
    items: [{ keys: ['n'], does: 'Add an account' }],
  },
];
