// The date picker beside a date field: a month grid in a dialog, worked by keyboard as the
// WAI-ARIA APG date picker dialog is, in the locale's names.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import DatePicker from './DatePicker.svelte';

const monthName = (year: number, month: number, locale?: string) =>
  new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric' }).format(
    new Date(year, month, 1),
  );
const fullDay = (year: number, month: number, day: number) =>
  new Intl.DateTimeFormat(undefined, { dateStyle: 'full' }).format(new Date(year, month, day));

/** Opens the picker of a field holding `value`; resolves once the grid has focus. */
async function open(value: string, props: { locale?: string } = {}) {
  const onpick = vi.fn();
  render(DatePicker, { props: { value, label: "Choose the post's date", onpick, ...props } });
  const button = screen.getByRole('button', { name: 'Pick a date' });
  await fireEvent.click(button);
  const dialog = screen.getByRole('dialog', { name: "Choose the post's date" });
  await waitFor(() => expect(within(dialog).getByRole('grid')).toContainElement(focused()));
  return { button, dialog, grid: within(dialog).getByRole('grid'), onpick };
}

const focused = () => document.activeElement as HTMLElement;
const key = (k: string, init: KeyboardEventInit = {}) =>
  fireEvent.keyDown(focused(), { key: k, ...init });

describe('date picker', () => {
  it('opens as a modal dialog with focus on the chosen day, the month named and announced', async () => {
    const { button, dialog, grid } = await open('2026-06-10');
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    expect(button).toHaveAttribute('aria-expanded', 'true');
    expect(focused()).toHaveAccessibleName(fullDay(2026, 5, 10));
    expect(focused()).toHaveAttribute('aria-selected', 'true');
    expect(focused()).toHaveAttribute('tabindex', '0');
    // the grid is named by the month, which is said again when it changes
    const heading = within(dialog).getByRole('heading', { name: monthName(2026, 5) });
    expect(heading).toHaveAttribute('aria-live', 'polite');
    expect(grid).toHaveAccessibleName(monthName(2026, 5));
    expect(within(grid).getAllByRole('columnheader')).toHaveLength(7);
    // six whole weeks, the days of the months around dimmed
    const cells = within(grid).getAllByRole('gridcell');
    expect(cells).toHaveLength(42);
    expect(cells.filter((c) => c.classList.contains('outside')).length).toBe(42 - 30);
  });

  it('opens on today, marked, when the field is empty', async () => {
    const { grid } = await open('');
    const today = new Date();
    expect(focused()).toHaveAccessibleName(
      fullDay(today.getFullYear(), today.getMonth(), today.getDate()),
    );
    expect(focused()).toHaveAttribute('aria-current', 'date');
    expect(within(grid).queryAllByRole('gridcell', { selected: true })).toHaveLength(0);
  });

  it('moves by day and week with the arrows, by month with PageUp/PageDown, to the week ends with Home/End', async () => {
    const { dialog } = await open('2026-06-10'); // a Wednesday
    await key('ArrowRight');
    await waitFor(() => expect(focused()).toHaveAccessibleName(fullDay(2026, 5, 11)));
    await key('ArrowDown');
    await waitFor(() => expect(focused()).toHaveAccessibleName(fullDay(2026, 5, 18)));
    await key('ArrowLeft');
    await key('ArrowUp');
    await waitFor(() => expect(focused()).toHaveAccessibleName(fullDay(2026, 5, 10)));

    await key('PageDown');
    await waitFor(() => expect(focused()).toHaveAccessibleName(fullDay(2026, 6, 10)));
    expect(within(dialog).getByRole('heading')).toHaveTextContent(monthName(2026, 6));
    await key('PageUp', { shiftKey: true });
    await waitFor(() => expect(focused()).toHaveAccessibleName(fullDay(2025, 6, 10)));

    await key('PageDown');
    await waitFor(() => expect(focused()).toHaveAccessibleName(fullDay(2025, 7, 10)));

    // the week's ends, as the columns run: the first and last cells of its row
    const row = () => [...focused().closest('tr')!.querySelectorAll('td')];
    await key('Home');
    await waitFor(() => expect(focused()).toBe(row()[0]));
    await key('End');
    await waitFor(() => expect(focused()).toBe(row()[6]));
    expect(row()).toContainEqual(
      within(dialog).getByRole('gridcell', { name: fullDay(2025, 7, 10) }),
    );
  });

  it('keeps the day of the month, or the month’s last, across months', async () => {
    await open('2026-01-31');
    await key('PageDown');
    await waitFor(() => expect(focused()).toHaveAccessibleName(fullDay(2026, 1, 28)));
  });

  it('picks with Enter, closes, and gives focus back to the button', async () => {
    const { button, onpick } = await open('2026-06-10');
    await key('ArrowDown');
    await key('Enter');
    expect(onpick).toHaveBeenCalledWith('2026-06-17');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(button).toHaveFocus();
    expect(button).toHaveAttribute('aria-expanded', 'false');

    // opened again, on the day picked
    await fireEvent.click(button);
    await waitFor(() => expect(focused()).toHaveAccessibleName(fullDay(2026, 5, 17)));
    await key(' ');
    expect(onpick).toHaveBeenLastCalledWith('2026-06-17');
  });

  it('closes with Esc as it was, focus back on the button', async () => {
    const { button, onpick } = await open('2026-06-10');
    await key('PageDown');
    await key('Escape');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(onpick).not.toHaveBeenCalled();
    expect(button).toHaveFocus();
    await fireEvent.click(button);
    await waitFor(() => expect(focused()).toHaveAccessibleName(fullDay(2026, 5, 10)));
  });

  it('pages months with its buttons, keeps Tab inside, and picks a day clicked', async () => {
    const { dialog, grid, onpick } = await open('2026-06-10');
    const next = within(dialog).getByRole('button', { name: 'Next month' });
    await fireEvent.click(next);
    expect(grid).toHaveAccessibleName(monthName(2026, 6));
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Previous month' }));
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Previous month' }));
    expect(grid).toHaveAccessibleName(monthName(2026, 4));

    within(grid).getByRole('gridcell', { name: fullDay(2026, 4, 20) }).focus();
    await key('Tab');
    expect(within(dialog).getByRole('button', { name: 'Previous month' })).toHaveFocus();
    await key('Tab', { shiftKey: true });
    expect(within(grid).getByRole('gridcell', { name: fullDay(2026, 4, 20) })).toHaveFocus();

    await fireEvent.click(within(grid).getByRole('gridcell', { name: fullDay(2026, 4, 21) }));
    expect(onpick).toHaveBeenCalledWith('2026-05-21');
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('picks a dimmed day of the month after by a click, the grid staying put', async () => {
    const { grid, onpick } = await open('2026-06-10');
    const july = grid.querySelector<HTMLElement>('[data-day="2026-07-01"]')!;
    expect(july).toHaveClass('outside');
    july.focus(); // as the press of the mouse does
    expect(grid).toHaveAccessibleName(monthName(2026, 5));
    await fireEvent.click(july);
    expect(onpick).toHaveBeenCalledWith('2026-07-01');
  });

  it('closes on a click outside, leaving focus to what was clicked', async () => {
    const { button } = await open('2026-06-10');
    await fireEvent.pointerDown(document.body);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(button).not.toHaveFocus();
  });

  it('names months and weekdays in the locale, from its first day of the week', async () => {
    const { grid } = await open('2026-06-10', { locale: 'fr-FR' });
    expect(grid).toHaveAccessibleName(monthName(2026, 5, 'fr-FR')); // « juin 2026 »
    const weekday = (day: number) =>
      new Intl.DateTimeFormat('fr-FR', { weekday: 'short' }).format(new Date(2024, 0, day));
    const headers = within(grid).getAllByRole('columnheader');
    expect(headers[0]).toHaveTextContent(weekday(1)); // Monday, 1 January 2024
    expect(headers[6]).toHaveTextContent(weekday(7));
    // 1 June 2026 is a Monday: the first cell is the month's first day
    expect(within(grid).getAllByRole('gridcell')[0]).toHaveAttribute('data-day', '2026-06-01');
  });

  it('starts the week on Sunday where the locale does', async () => {
    const { grid } = await open('2026-06-10', { locale: 'en-US' });
    expect(within(grid).getAllByRole('columnheader')[0]).toHaveTextContent('Sun');
    expect(within(grid).getAllByRole('gridcell')[0]).toHaveAttribute('data-day', '2026-05-31');
  });
});
