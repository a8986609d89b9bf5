// Keeps a list row in view while it is the selected one (j/k can move past the visible part).
export function revealWhen(node: HTMLElement, selected: boolean) {
  const reveal = (on: boolean) => {
    if (on) node.scrollIntoView({ block: 'nearest' });
  };
  reveal(selected);
  return { update: reveal };
}
