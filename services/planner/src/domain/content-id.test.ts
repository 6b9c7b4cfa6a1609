import { sha256Hex } from '@autopilot/kernel';
import { contentId } from './content-id';

describe('contentId', () => {
  it('keeps the ids that anchors, gap reports and proposals were stored under', () => {
    // Recorded from the hand-written SHA-256 this replaced: a stored id must not change.
    expect(contentId('gap', ['root_clutter', 'a.log'], sha256Hex)).toBe('gap-92431fa8a671e8d17064cd6c');
    expect(contentId('anchor', ['1', '["scope",[]]'], sha256Hex)).toBe('anchor-cbd862078a916e168e8c207e');
    expect(contentId('proposal', [], sha256Hex)).toBe('proposal-e3b0c44298fc1c149afbf4c8');
  });

  it('hashes the parts joined by NUL, so moving text between parts changes the id', () => {
    const seen: string[] = [];
    const hash = (text: string) => {
      seen.push(text);
      return 'abcdef0123456789abcdef0123456789';
    };
    expect(contentId('x', ['a', 'b'], hash)).toBe('x-abcdef0123456789abcdef01');
    expect(seen).toEqual(['a\u0000b']);
    expect(contentId('x', ['ab', ''], sha256Hex)).not.toBe(contentId('x', ['a', 'b'], sha256Hex));
  });
});
