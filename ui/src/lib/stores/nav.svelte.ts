// Which view is showing and which app-wide overlay is open.

export type View = 'inbox' | 'members' | 'calendar' | 'health' | 'moderation' | 'settings';

export const nav = $state({
  view: 'inbox' as View,
  helpOpen: false,
  aboutOpen: false,
});

export function go(view: View) {
  nav.view = view;
}
