// A post's images in the editor: attached with their alt text, described, ordered, removed.
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { CalendarItem } from '$lib/bindings/CalendarItem';
import * as ipc from '$lib/ipc';
import { calendar, discardEditor } from '$lib/stores/calendar.svelte';
import { toasts } from '$lib/stores/toasts.svelte';
import { calendarImage, calendarItem, calendarTarget } from '../../../test/fixtures';
import CalendarView from './CalendarView.svelte';

vi.mock('$lib/ipc', async () => (await import('../../../test/ipc-mock')).ipcMock());
const api = vi.mocked(ipc);

/** A Wednesday in March 2026: the month shown, so every post below is in sight. */
const ANCHOR = new Date(2026, 2, 11);
const on = (day: number, hour: number) => new Date(2026, 2, day, hour).getTime();

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00];

// jsdom makes no blob URLs: each is numbered, and let go of as the app says.
let urls = 0;
const revoked: string[] = [];

beforeEach(() => {
  vi.clearAllMocks();
  discardEditor();
  calendar.mode = 'month';
  calendar.anchor = ANCHOR;
  // the store outlives each render, as in the app: no post of the test before shows meanwhile
  calendar.items = [];
  calendar.unscheduled = [];
  toasts.length = 0;
  urls = 0;
  revoked.length = 0;
  URL.createObjectURL = vi.fn(() => `blob:hearth/${++urls}`);
  URL.revokeObjectURL = vi.fn((url: string) => void revoked.push(url));
  api.accountsList.mockResolvedValue([]);
  api.calendarComments.mockResolvedValue([]);
  api.calendarBestTimes.mockResolvedValue([]);
});

/** The calendar holds `items`; `keep` saves what an image command answers, as the core does. */
function coreWith(...items: CalendarItem[]) {
  let list = items;
  api.calendarList.mockImplementation(async () => list);
  return (item: CalendarItem) => {
    list = list.map((i) => (i.id === item.id ? item : i));
    return item;
  };
}

async function openImages(title: string) {
  render(CalendarView);
  await fireEvent.click(await screen.findByText(title));
  const editor = await screen.findByTestId('calendar-editor');
  return { editor, images: within(editor).getByRole('region', { name: 'Images' }) };
}

/** Chooses `file` in the (hidden) file chooser, as the system's dialog would. */
async function choose(section: HTMLElement, file: File) {
  await fireEvent.click(within(section).getByRole('button', { name: 'Add image…' }));
  const input = within(section).getByTestId('image-file');
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  await fireEvent.change(input);
}

const png = (name: string) => new File([new Uint8Array(PNG)], name, { type: 'image/png' });

describe('attaching an image', () => {
  it('previews the file, asks for alt text, then sends its bytes, name and alt text', async () => {
    const post = calendarItem(70, {
      title: 'Meetup recap',
      state: 'approved',
      scheduledAt: on(12, 9),
      approvedBy: 'Robin',
      approvedAt: on(10, 9),
    });
    const keep = coreWith(post);
    const attached = calendarImage(11, { fileName: 'chart.png', alt: 'Visits doubled in March' });
    api.calendarAddImage.mockImplementation(async () =>
      // changing an approved post's images sends it back to review
      keep({ ...post, state: 'in_review', approvedBy: null, approvedAt: null, images: [attached] }),
    );
    const { editor, images } = await openImages('Meetup recap');
    expect(within(images).getByText(/^No images/)).toBeInTheDocument();

    await choose(images, png('chart.png'));
    const form = within(images).getByRole('group', { name: 'Attach chart.png' });
    expect(form.querySelector('img')).toHaveAttribute('src', 'blob:hearth/1');
    expect(form).toHaveTextContent('chart.png');
    expect(form).toHaveTextContent('9 bytes');
    const alt = within(form).getByLabelText('Alt text (required)');
    expect(alt).toHaveFocus();
    expect(alt).toHaveAccessibleDescription('Describe what it shows for people who cannot see it.');
    const attach = within(form).getByRole('button', { name: 'Attach' });
    expect(attach).toBeDisabled();
    await fireEvent.input(alt, { target: { value: '   ' } });
    expect(attach).toBeDisabled();
    await fireEvent.keyDown(alt, { key: 'Enter' });
    expect(api.calendarAddImage).not.toHaveBeenCalled();

    await fireEvent.input(alt, { target: { value: ' Visits doubled in March ' } });
    expect(attach).toBeEnabled();
    await fireEvent.click(attach);

    await waitFor(() => expect(api.calendarAddImage).toHaveBeenCalledTimes(1));
    const [item, bytes, name, said] = api.calendarAddImage.mock.calls[0];
    expect([item, name, said]).toEqual([70, 'chart.png', 'Visits doubled in March']);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(bytes)).toEqual(PNG);
    // the post was not saved for it: images go on their own
    expect(api.calendarUpdate).not.toHaveBeenCalled();

    const row = await within(images).findByTestId('image');
    expect(within(images).queryByRole('group', { name: 'Attach chart.png' })).toBeNull();
    expect(revoked).toContain('blob:hearth/1');
    await waitFor(() =>
      expect(within(row).getByAltText('Visits doubled in March')).toBeInTheDocument(),
    );
    expect(within(images).getByRole('button', { name: 'Add image…' })).toHaveFocus();
    expect(within(images).getByRole('status')).toHaveTextContent('Attached chart.png: 1 image');
    // the editor shows the post as the core left it: back in review
    expect(within(editor).getByTestId('review-bar')).toHaveTextContent('In review');
    expect(within(editor).getByLabelText('State')).toHaveValue('in_review');
  });

  it('says beside the alt text why the core refused the image, and cancels', async () => {
    coreWith(calendarItem(70, { title: 'Meetup recap', scheduledAt: on(12, 9) }));
    api.calendarAddImage.mockRejectedValue({
      code: 'invalid_input',
      message: 'chart.svg is not an image Hearth can post: use a PNG, JPEG, GIF or WebP file',
    });
    const { images } = await openImages('Meetup recap');
    await choose(images, new File(['<svg/>'], 'chart.svg', { type: 'image/svg+xml' }));
    const form = within(images).getByRole('group', { name: 'Attach chart.svg' });
    const alt = within(form).getByLabelText('Alt text (required)');
    await fireEvent.input(alt, { target: { value: 'Visits by month' } });
    // Enter attaches it, rather than saving the post
    await fireEvent.keyDown(alt, { key: 'Enter' });

    const refusal = await within(form).findByRole('alert');
    expect(refusal).toHaveTextContent(
      'chart.svg is not an image Hearth can post: use a PNG, JPEG, GIF or WebP file',
    );
    expect(alt).toHaveAttribute('aria-invalid', 'true');
    expect(alt).toHaveAccessibleDescription(/is not an image Hearth can post/);
    expect(toasts).toHaveLength(0);
    expect(api.calendarUpdate).not.toHaveBeenCalled();

    await fireEvent.click(within(form).getByRole('button', { name: 'Cancel' }));
    expect(within(images).queryByRole('group')).toBeNull();
    expect(within(images).getByRole('button', { name: 'Add image…' })).toHaveFocus();
    expect(revoked).toEqual(['blob:hearth/1']);

    // Esc in the alt text gives up the image, and leaves the editor open
    await choose(images, png('chart.png'));
    await fireEvent.keyDown(within(images).getByLabelText('Alt text (required)'), {
      key: 'Escape',
    });
    expect(within(images).queryByRole('group')).toBeNull();
    expect(screen.getByTestId('calendar-editor')).toBeInTheDocument();
    expect(revoked).toEqual(['blob:hearth/1', 'blob:hearth/2']);
  });

  it('asks for a new post to be saved first', async () => {
    coreWith();
    render(CalendarView);
    await fireEvent.click(screen.getByTestId('calendar-new'));
    const images = within(screen.getByTestId('calendar-editor')).getByRole('region', {
      name: 'Images',
    });
    expect(images).toHaveTextContent('Save the post to add images.');
    expect(within(images).queryByRole('button')).toBeNull();
  });
});

describe('attached images', () => {
  const first = calendarImage(11, {
    fileName: 'team.jpg',
    mime: 'image/jpeg',
    alt: 'The team at the meetup',
  });
  const second = calendarImage(12, {
    fileName: 'chart.png',
    width: 800,
    height: 600,
    size: 2_400_000,
    alt: 'Visits doubled in March',
  });

  it('shows each with its alt text and size, and saves an alt text changed', async () => {
    const post = calendarItem(70, { title: 'Meetup recap', images: [first, second] });
    const keep = coreWith(post);
    const described = { ...first, alt: 'The team laughing at the meetup' };
    api.calendarImageAlt.mockImplementation(async () =>
      keep({ ...post, images: [described, second] }),
    );
    const { images } = await openImages('Meetup recap');

    const rows = within(images).getAllByTestId('image');
    expect(rows).toHaveLength(2);
    await waitFor(() => expect(api.calendarImage).toHaveBeenCalledTimes(2));
    expect(api.calendarImage.mock.calls).toEqual([[11], [12]]);
    const thumb = await within(rows[0]).findByAltText('The team at the meetup');
    expect(thumb).toHaveAttribute('src', expect.stringMatching(/^blob:hearth\//));
    expect(await within(rows[1]).findByAltText('Visits doubled in March')).toBeInTheDocument();
    expect(within(rows[0]).getByTestId('image-meta')).toHaveTextContent('1200×630 · 340 KB');
    expect(within(rows[1]).getByTestId('image-meta')).toHaveTextContent('800×600 · 2.4 MB');

    const alt = within(rows[0]).getByLabelText('Alt text for team.jpg');
    expect(alt).toHaveValue('The team at the meetup');
    // leaving it unchanged saves nothing
    await fireEvent.blur(alt);
    expect(api.calendarImageAlt).not.toHaveBeenCalled();

    await fireEvent.input(alt, { target: { value: 'The team laughing at the meetup' } });
    await fireEvent.keyDown(alt, { key: 'Enter' });
    await waitFor(() =>
      expect(api.calendarImageAlt).toHaveBeenCalledWith(11, 'The team laughing at the meetup'),
    );
    expect(await within(rows[0]).findByAltText('The team laughing at the meetup')).toBeVisible();
    await fireEvent.blur(alt);
    expect(api.calendarImageAlt).toHaveBeenCalledTimes(1);
    expect(api.calendarUpdate).not.toHaveBeenCalled();

    api.calendarImageAlt.mockRejectedValueOnce({
      code: 'invalid_input',
      message: 'team.jpg needs alt text: say what it shows for people who cannot see it',
    });
    await fireEvent.input(alt, { target: { value: ' ' } });
    await fireEvent.blur(alt);
    expect(await within(rows[0]).findByRole('alert')).toHaveTextContent(
      'team.jpg needs alt text: say what it shows',
    );
    expect(alt).toHaveAttribute('aria-invalid', 'true');
  });

  it('moves an image earlier or later, focus staying with it', async () => {
    const post = calendarItem(70, { title: 'Meetup recap', images: [first, second] });
    const keep = coreWith(post);
    api.calendarMoveImage.mockImplementation(async (image, position) =>
      keep({ ...post, images: position === 1 && image === 12 ? [second, first] : [first, second] }),
    );
    const { images } = await openImages('Meetup recap');
    expect(within(images).getByRole('button', { name: 'Move team.jpg earlier' })).toBeDisabled();
    expect(within(images).getByRole('button', { name: 'Move chart.png later' })).toBeDisabled();

    await fireEvent.click(within(images).getByRole('button', { name: 'Move chart.png earlier' }));
    await waitFor(() => expect(api.calendarMoveImage).toHaveBeenCalledWith(12, 1));
    await waitFor(() =>
      expect(within(images).getAllByTestId('image')[0]).toHaveTextContent('chart.png'),
    );
    // it is first now: focus goes to the way it can still go
    await waitFor(() =>
      expect(within(images).getByRole('button', { name: 'Move chart.png later' })).toHaveFocus(),
    );
    expect(within(images).getByRole('status')).toHaveTextContent('Moved chart.png to 1 of 2');

    await fireEvent.click(within(images).getByRole('button', { name: 'Move chart.png later' }));
    await waitFor(() => expect(api.calendarMoveImage).toHaveBeenLastCalledWith(12, 2));
    await waitFor(() =>
      expect(within(images).getAllByTestId('image')[1]).toHaveTextContent('chart.png'),
    );
  });

  it('removes an image, and Undo attaches it again where it was', async () => {
    const post = calendarItem(70, { title: 'Meetup recap', images: [first, second] });
    const keep = coreWith(post);
    api.calendarRemoveImage.mockImplementation(async () => keep({ ...post, images: [second] }));
    const back = { ...first, id: 13 };
    api.calendarAddImage.mockImplementation(async () =>
      keep({ ...post, images: [second, back] }),
    );
    api.calendarMoveImage.mockImplementation(async () => keep({ ...post, images: [back, second] }));
    const { images } = await openImages('Meetup recap');
    await within(images).findByAltText('The team at the meetup');

    await fireEvent.click(within(images).getByRole('button', { name: 'Remove team.jpg' }));
    await waitFor(() => expect(api.calendarRemoveImage).toHaveBeenCalledWith(11));
    await waitFor(() => expect(within(images).getAllByTestId('image')).toHaveLength(1));
    // focus goes to the image now in its place
    await waitFor(() =>
      expect(within(images).getByLabelText('Alt text for chart.png')).toHaveFocus(),
    );
    expect(revoked).toHaveLength(1);

    const toast = toasts.find((t) => t.message === 'Removed team.jpg');
    expect(toast?.action?.label).toBe('Undo');
    toast!.action!.run();
    await waitFor(() => expect(api.calendarMoveImage).toHaveBeenCalledWith(13, 1));
    const [item, bytes, name, alt] = api.calendarAddImage.mock.calls[0];
    // the bytes of its preview, read once when the editor opened
    expect([item, Array.from(bytes), name, alt]).toEqual([
      70,
      [0x89, 0x50, 0x4e, 0x47],
      'team.jpg',
      'The team at the meetup',
    ]);
    await waitFor(() =>
      expect(within(images).getAllByTestId('image')[0]).toHaveTextContent('team.jpg'),
    );
  });

  it('shows a published post\'s images read-only', async () => {
    coreWith(
      calendarItem(70, {
        title: 'Meetup recap',
        state: 'published',
        scheduledAt: on(9, 9),
        variants: [calendarTarget(41, { status: 'sent' })],
        images: [first, second],
      }),
    );
    const { images } = await openImages('Meetup recap');
    expect(images).toHaveTextContent('its images can no longer change');
    expect(await within(images).findByAltText('The team at the meetup')).toBeInTheDocument();
    expect(within(images).getAllByTestId('image')[0]).toHaveTextContent(
      'Alt text: The team at the meetup',
    );
    expect(within(images).queryByRole('textbox')).toBeNull();
    expect(within(images).queryByRole('button')).toBeNull();
    expect(within(images).queryByTestId('image-file')).toBeNull();
  });

  it('locks them once a target is in the outbox, though the post is still scheduled', async () => {
    coreWith(
      calendarItem(70, {
        title: 'Meetup recap',
        state: 'scheduled',
        scheduledAt: on(11, 9),
        variants: [calendarTarget(41, { status: 'queued' })],
        images: [first],
      }),
    );
    const { images } = await openImages('Meetup recap');
    expect(within(images).queryByRole('button', { name: 'Add image…' })).toBeNull();
    expect(within(images).queryByRole('button', { name: 'Remove team.jpg' })).toBeNull();
    expect(within(images).queryByLabelText('Alt text for team.jpg')).toBeNull();
  });
});

describe('the list', () => {
  it('counts a post\'s images, since it reads posts whole', async () => {
    const today = new Date();
    const soon = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 2, 9);
    coreWith(
      calendarItem(70, {
        title: 'Meetup recap',
        scheduledAt: soon.getTime(),
        images: [calendarImage(11), calendarImage(12)],
      }),
      calendarItem(71, { title: 'Office hours', scheduledAt: soon.getTime() }),
    );
    calendar.anchor = new Date(today.getFullYear(), today.getMonth(), today.getDate());
    render(CalendarView);
    await waitFor(() => expect(api.calendarList).toHaveBeenCalledTimes(1));
    await fireEvent.keyDown(document.body, { key: 'l' });
    const list = await screen.findByTestId('calendar-list');
    const recap = (await within(list).findByText('Meetup recap')).closest('button')!;
    expect(within(recap).getByRole('img', { name: '2 images' })).toHaveTextContent('🖼 2');
    const other = within(list).getByText('Office hours').closest('button')!;
    expect(within(other).queryByRole('img')).toBeNull();
  });
});
