import { sha256Hex } from '@autopilot/kernel';
import { parseBlueprint } from './blueprint-parse';
import { BlueprintRejectedError, type RejectionReason } from './blueprint-rejected-error';
import {
  checkBlueprintText,
  decodeBlueprintBytes,
  firstInvalidUtf8,
  normalizeBlueprintText,
  utf8ByteLength,
} from './blueprint-source';
import { firstLineDeeperThan } from './nesting-depth';
import { textEdit } from '../sections/section-blocks';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Runs `fn` and returns the BlueprintRejectedError it throws (fails the test if it throws nothing else). */
function rejection(fn: () => unknown): BlueprintRejectedError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BlueprintRejectedError) return err;
    throw err;
  }
  throw new Error('expected a BlueprintRejectedError, nothing was thrown');
}
const reasonOf = (fn: () => unknown): RejectionReason => rejection(fn).reason;
const parse = (text: string, label = 'plan.md') => parseBlueprint(text, { hash: sha256Hex, label });

describe('decodeBlueprintBytes', () => {
  it('decodes UTF-8 and drops a BOM', () => {
    expect(decodeBlueprintBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8('# Café\n')]), 'a.md')).toBe(
      '# Café\n',
    );
  });

  it('names the file, byte offset and line of the first invalid UTF-8 sequence', () => {
    const bytes = new Uint8Array([...utf8('# Plan\n\nok é\n'), 0xc3, 0x28, ...utf8(' rest\n')]);
    const err = rejection(() => decodeBlueprintBytes(bytes, 'docs/plan.md'));
    expect(err.reason).toBe('INVALID_UTF8');
    expect(err.site).toEqual({ file: 'docs/plan.md', byteOffset: 14, line: 4 });
    expect(err.message).toBe('docs/plan.md, line 4, byte 14: not valid UTF-8 (save the file as UTF-8)');
  });

  it('finds overlong encodings, surrogates and truncated sequences', () => {
    expect(firstInvalidUtf8(new Uint8Array([0x41, 0xc0, 0xaf]))).toBe(1);
    expect(firstInvalidUtf8(new Uint8Array([0x41, 0x42, 0xed, 0xa0, 0x80]))).toBe(2);
    expect(firstInvalidUtf8(new Uint8Array([0xe2, 0x82]))).toBe(0);
    expect(firstInvalidUtf8(utf8('fine ✓ 😀'))).toBe(utf8('fine ✓ 😀').length);
  });

  it('refuses binary: a NUL byte, named by offset', () => {
    const err = rejection(() =>
      decodeBlueprintBytes(new Uint8Array([...utf8('# A\nxy'), 0, 1, 2]), 'img.md'),
    );
    expect(err.reason).toBe('BINARY');
    expect(err.site).toEqual({ file: 'img.md', byteOffset: 6, line: 2 });
  });

  it('refuses binary: mostly control bytes', () => {
    const bytes = new Uint8Array(1000).map((_, i) => (i % 3 === 0 ? 0x01 : 0x41));
    expect(reasonOf(() => decodeBlueprintBytes(bytes, 'x.txt'))).toBe('BINARY');
  });

  it('refuses bytes over the limit before decoding', () => {
    const err = rejection(() =>
      decodeBlueprintBytes(utf8('# A\n\n' + 'x'.repeat(100)), 'big.md', { maxBytes: 50 }),
    );
    expect(err.reason).toBe('TOO_LARGE');
    expect(err.message).toBe('big.md: 105 bytes is over the 50-byte limit');
  });
});

describe('checkBlueprintText and parseBlueprint (bad input)', () => {
  it('refuses empty and whitespace-only text', () => {
    expect(reasonOf(() => parse(''))).toBe('EMPTY');
    expect(reasonOf(() => parse(' \n\t\n  '))).toBe('EMPTY');
    expect(rejection(() => parse('\n\n')).site).toEqual({ file: 'plan.md' });
  });

  it('refuses a NUL character, naming the line', () => {
    const err = rejection(() => parse('# A\n\ntext\nbad \u0000 here\n'));
    expect(err.reason).toBe('BINARY');
    expect(err.site).toMatchObject({ file: 'plan.md', line: 4 });
  });

  it('refuses text over the configured size, counted in UTF-8 bytes', () => {
    const text = '# A\n\n' + 'é'.repeat(30);
    expect(utf8ByteLength(text)).toBe(65);
    expect(reasonOf(() => parseBlueprint(text, { hash: sha256Hex, maxBytes: 64 }))).toBe('TOO_LARGE');
    expect(parseBlueprint(text, { hash: sha256Hex, maxBytes: 65 }).sections).toHaveLength(1);
  });

  it('refuses more sections than a blueprint may have, naming the first one past the limit', () => {
    const text = '# A\n\na\n\n## B\n\nb\n\n## C\n\nc\n';
    const err = rejection(() => parseBlueprint(text, { hash: sha256Hex, label: 'plan.md', maxSections: 2 }));
    expect(err.reason).toBe('TOO_MANY_SECTIONS');
    expect(err.site).toMatchObject({ line: 9 });
    expect(err.message).toContain('3 sections (headings); a blueprint may have at most 2');
    expect(parseBlueprint(text, { hash: sha256Hex, maxSections: 3 }).sections).toHaveLength(3);
  });

  it('refuses headings with nothing under them, even with code-fence-free blank lines and rules', () => {
    const err = rejection(() => parse('# One\n\n## Two\n\n---\n\nThree\n=====\n'));
    expect(err.reason).toBe('HEADINGS_ONLY');
    expect(err.message).toBe('plan.md, line 1: 3 headings and no text under any of them');
  });

  it('accepts headings with one line of content', () => {
    expect(parse('# One\n\n## Two\n\nsomething\n').sections).toHaveLength(2);
  });

  it('refuses 5000 levels of nested block quotes before the parser sees them, naming the line', () => {
    // The parser recurses once per level: on this text it overflows the stack (a RangeError), so a
    // TOO_DEEP proves the linear pre-check refused it first.
    const err = rejection(() => parse(`# Plan\n\nintro\n\n${'>'.repeat(5000)} deep\n`));
    expect(err.reason).toBe('TOO_DEEP');
    expect(err.site).toMatchObject({ file: 'plan.md', line: 5 });
    expect(err.message).toContain('nested 5000 levels deep (the limit is 64)');
  });

  it('refuses 1000 levels of nested lists before the parser sees them, naming the first line past the limit', () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `${'  '.repeat(i)}- item ${i}`);
    const text = `# Plan\n\n${lines.join('\n')}\n`;
    const err = rejection(() => parse(text));
    expect(err.reason).toBe('TOO_DEEP');
    // Item i sits at depth i + 1: item 64 (line 3 + 64) is the first past 64.
    expect(err.site).toMatchObject({ line: 67 });
    // The refusal is the one-pass pre-check's, not the parser's (which takes seconds on this text):
    // the check alone refuses it the same way.
    const checked = rejection(() => checkBlueprintText(text, { label: 'plan.md' }));
    expect([checked.reason, checked.site, checked.message]).toEqual([err.reason, err.site, err.message]);
  });

  it('refuses nesting written on one line (`- > - > ...`)', () => {
    expect(reasonOf(() => parse(`# Plan\n\n${'- > '.repeat(500)}x\n`))).toBe('TOO_DEEP');
  });

  it('parses ordinary nesting (quotes in lists, lists in quotes, ten deep) as content', () => {
    const lines = Array.from({ length: 10 }, (_, i) => `${'  '.repeat(i)}- item ${i}`);
    const parsed = parse(`# Plan\n\n> > quoted\n\n${lines.join('\n')}\n\n- > # quoted in a list\n`);
    expect(parsed.sections.map((s) => s.title)).toEqual(['Plan']);
  });

  it('names the file and line inside a multi-file blueprint', () => {
    const a = '# A\n\ntext\n';
    const b = '# B\n\nok\n\nbad\u0000\n';
    const err = rejection(() =>
      parseBlueprint(a + b, {
        hash: sha256Hex,
        label: 'docs',
        files: [
          { path: 'docs/a.md', start: 0 },
          { path: 'docs/b.md', start: a.length },
        ],
      }),
    );
    expect(err.site).toMatchObject({ file: 'docs/b.md', line: 5 });
  });

  it('refuses a file list that does not fit the text', () => {
    expect(
      reasonOf(() => parseBlueprint('# A\n\nx\n', { hash: sha256Hex, files: [{ path: 'a.md', start: 3 }] })),
    ).toBe('INVALID_FILES');
  });

  it('normalizes CRLF line endings so the parser sees headings, and offsets point into the normalized text', () => {
    expect(normalizeBlueprintText('\ufeff# A\r\n\r\ntext\r\n')).toBe('# A\n\ntext\n');
    const parsed = parse('# A\r\n\r\ntext\r\n## B\r\nmore\r\n');
    expect(parsed.sections.map((s) => s.title)).toEqual(['A', 'B']);
    expect(parsed.text.slice(parsed.sections[1]?.start)).toBe('## B\nmore\n');
  });

  it('checkBlueprintText accepts a plain text', () => {
    expect(() => checkBlueprintText('just notes\n', {})).not.toThrow();
  });
});

describe('utf8ByteLength and firstLineDeeperThan on random texts (seeded)', () => {
  let seed = 11;
  const next = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const pick = <T>(items: readonly T[]): T => items[next(items.length)]!;

  it('counts the bytes TextEncoder writes (two-, three-, four-byte characters, lone surrogates)', () => {
    const chars = ['a', '\n', 'é', '€', '😀', '\ud83d', '\ude00', 'z', '\u0800', '\u07ff'];
    for (let k = 0; k < 500; k++) {
      const text = Array.from({ length: next(60) }, () => pick(chars)).join('');
      expect(utf8ByteLength(text)).toBe(new TextEncoder().encode(text).length);
    }
  });

  it('finds the first line deeper than the limit, as measuring every line on its own does', () => {
    const lines = [
      'text',
      '',
      '> quote',
      '> > > > deep',
      '  - item',
      '      - nested',
      '1. one',
      '\t\t* tab',
      '#',
    ];
    // A line's depth measured alone (a negative limit measures every line, the first reported).
    const depthOf = (line: string) => (line === '' ? 0 : firstLineDeeperThan(line, -1)!.depth);
    for (let k = 0; k < 500; k++) {
      const text = Array.from({ length: next(30) }, () => pick(lines)).join('\n') + pick(['', '\n']);
      const limit = next(5);
      const all = text.split('\n');
      if (text.endsWith('\n') || text === '') all.pop(); // no line after a final line break
      let expected: ReturnType<typeof firstLineDeeperThan>;
      let offset = 0;
      for (const [i, line] of all.entries()) {
        if (depthOf(line) > limit) {
          expected = { depth: depthOf(line), line: i + 1, offset };
          break;
        }
        offset += line.length + 1;
      }
      expect({ k, found: firstLineDeeperThan(text, limit) }).toEqual({ k, found: expected });
    }
  });

  it('checks a text after an edit as a whole check does, measuring only around the edit', () => {
    const pieces = [
      'text',
      '\n',
      '> > > quote',
      '\n  - item',
      'é',
      '😀',
      '\ud83d',
      '\ude00',
      '\u0000',
      '\n#',
      '1. ',
    ];
    const some = (n: number) => Array.from({ length: n }, () => pick(pieces)).join('');
    /** The check's outcome: what it measured, or the reason and site it refused. */
    const outcome = (run: () => unknown) => {
      try {
        return { checks: run() };
      } catch (err) {
        if (!(err instanceof BlueprintRejectedError)) throw err;
        return { refused: [err.reason, err.site] };
      }
    };
    const limits = { maxNesting: 3, maxBytes: 400 };
    let refused = 0;
    for (let k = 0; k < 600; k++) {
      const old = `# Plan\n${some(next(60))}`.split('\u0000').join('');
      let checks;
      try {
        checks = checkBlueprintText(old, { label: 'plan.md' }, limits);
      } catch {
        continue; // the earlier text must have passed
      }
      const start = next(old.length + 1);
      const end = start + next(Math.min(old.length - start, 8) + 1);
      const text = old.slice(0, start) + some(next(4)) + old.slice(end);
      const earlier = { text: old, checks, edit: textEdit(old, text) };
      const incremental = outcome(() => checkBlueprintText(text, { label: 'plan.md' }, limits, earlier));
      expect({ k, ...incremental }).toEqual({
        k,
        ...outcome(() => checkBlueprintText(text, { label: 'plan.md' }, limits)),
      });
      if ('refused' in incremental) refused++;
    }
    expect(refused).toBeGreaterThan(50);
  });
});
