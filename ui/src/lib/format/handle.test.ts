import { describe, expect, it } from 'vitest';
import { atHandle } from './handle';

describe('atHandle', () => {
  it('adds the @ a bare handle lacks', () => {
    expect(atHandle('maria')).toBe('@maria');
    expect(atHandle('alice.bsky.social', 'bluesky')).toBe('@alice.bsky.social');
  });

  it('never doubles an @ the handle already has (Matrix)', () => {
    expect(atHandle('@mallory:localhost')).toBe('@mallory:localhost');
    expect(atHandle('@mallory:localhost', 'matrix')).toBe('@mallory:localhost');
    expect(atHandle(atHandle('maria'))).toBe('@maria');
  });

  it('leaves email addresses alone, and reads Mastodon’s user@server as @user@server', () => {
    expect(atHandle('maria@example.org', 'email')).toBe('maria@example.org');
    expect(atHandle('maria@example.org')).toBe('maria@example.org');
    expect(atHandle('maria@fosstodon.org', 'mastodon')).toBe('@maria@fosstodon.org');
  });

  it('shows nothing for a blank handle rather than a lone @', () => {
    expect(atHandle('  ')).toBe('');
  });
});
