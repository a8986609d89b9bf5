import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { message } from '../../../test/fixtures';
import Message from './Message.svelte';

const LONG_URL = `https://example.org/${'a'.repeat(300)}`;

function renderMessage(overrides: Parameters<typeof message>[1]) {
  render(Message, { message: message(10, overrides) });
  return screen.getByTestId('message');
}

describe('a message whose formatting shows nothing', () => {
  it.each(['<p></p>', '<span> </span>', '<p>\u200b</p><br>'])(
    'shows its plain text and says the formatting was removed (%s)',
    (html) => {
      const shown = renderMessage({ html, text: 'Is the release out yet?' });

      expect(shown).toHaveTextContent('Is the release out yet?');
      expect(screen.getByTestId('formatting-removed')).toHaveTextContent('formatting removed');
    },
  );

  it('shows real formatting as it is, without the note', () => {
    const shown = renderMessage({
      html: '<p>Fixed in <strong>2.1</strong></p>',
      text: 'Fixed in 2.1',
    });

    expect(shown.querySelector('.body strong')).toHaveTextContent('2.1');
    expect(screen.queryByTestId('formatting-removed')).toBeNull();
  });

  it('counts a body that is only a link as something to show', () => {
    renderMessage({
      html: '<a href="https://example.org/notes">release notes</a>',
      text: 'https://example.org/notes',
    });

    expect(screen.getByRole('link', { name: 'release notes' })).toBeInTheDocument();
    expect(screen.queryByTestId('formatting-removed')).toBeNull();
  });

  it('says so when there is no text either, and that its formatting was removed', () => {
    renderMessage({ html: '<p></p>', text: '  ' });

    expect(screen.getByTestId('no-text')).toHaveTextContent('This message has no text.');
    expect(screen.getByTestId('formatting-removed')).toBeInTheDocument();
  });

  it('says only that there is no text when it never had any formatting', () => {
    renderMessage({ html: null, text: '' });

    expect(screen.getByTestId('no-text')).toHaveTextContent('This message has no text.');
    expect(screen.queryByTestId('formatting-removed')).toBeNull();
  });
});

describe('a message’s author', () => {
  it('shows a Matrix handle with one @, and adds the @ a bare handle lacks', () => {
    render(Message, {
      message: message(10, {
        author: { ...message(10).author, platform: 'matrix', handle: '@mallory:localhost' },
      }),
    });
    render(Message, { message: message(11) });

    const [matrix, discord] = screen.getAllByTestId('message');
    expect(matrix).toHaveTextContent('@mallory:localhost');
    expect(matrix).not.toHaveTextContent('@@');
    expect(discord).toHaveTextContent('@maria');
  });
});

describe('long lines', () => {
  // jsdom lays nothing out, so these check the styles that make the text break.
  it('break a 300-character URL in plain text and in formatting instead of widening', () => {
    const plain = renderMessage({ text: `See ${LONG_URL}` });
    const body = plain.querySelector('.body') as HTMLElement;
    expect(body).toHaveTextContent(LONG_URL);
    expect(getComputedStyle(body).overflowWrap).toBe('anywhere');
    expect(getComputedStyle(plain).minWidth).toBe('0px');

    render(Message, {
      message: message(11, { html: `<p><a href="${LONG_URL}">${LONG_URL}</a></p>` }),
    });
    const link = screen.getByRole('link', { name: LONG_URL });
    expect(getComputedStyle(link).overflowWrap).toBe('anywhere');
    expect(getComputedStyle(link).whiteSpace).not.toBe('nowrap');
  });
});
