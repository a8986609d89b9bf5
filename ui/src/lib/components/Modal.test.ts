import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import KeyMenu from './KeyMenu.svelte';

// KeyMenu is a Modal with a button per line: enough controls to go round.
describe('a dialog', () => {
  it('keeps Tab and Shift+Tab among its own controls, and gives focus back when it closes', async () => {
    const before = document.createElement('button');
    before.textContent = 'Behind the dialog';
    document.body.append(before);
    before.focus();
    const { unmount } = render(KeyMenu, {
      title: 'Priority',
      width: 300,
      choices: [
        { key: '1', label: 'Low' },
        { key: '2', label: 'Normal' },
        { key: '3', label: 'High' },
      ],
      onchoose: vi.fn(),
      onclose: vi.fn(),
    });
    const dialog = screen.getByRole('dialog', { name: 'Priority' });
    const buttons = [...dialog.querySelectorAll('button')];
    expect(buttons.length).toBeGreaterThanOrEqual(3);
    const [first, last] = [buttons[0], buttons[buttons.length - 1]];

    last.focus();
    await fireEvent.keyDown(last, { key: 'Tab' });
    expect(document.activeElement).toBe(first);
    await fireEvent.keyDown(first, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(last);
    // from the dialog itself (where focus lands when it opens), Shift+Tab stays inside too
    dialog.focus();
    await fireEvent.keyDown(dialog, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(last);

    unmount();
    expect(document.activeElement).toBe(before);
    before.remove();
  });
});
