import { ParseGuard, languageOf } from './parse-guard';

describe('ParseGuard', () => {
  const guard = new ParseGuard();

  it('knows the languages it parses by extension', () => {
    expect(['a.ts', 'b.TSX', 'c.mjs', 'd.jsx', 'e.json', 'f.py', 'g.md', 'Makefile'].map(languageOf)).toEqual(
      ['typescript', 'typescript', 'typescript', 'typescript', 'json', 'python', undefined, undefined],
    );
  });

  it.each([
    [
      'src/a.ts',
      'export const a: number = 1;\n',
      'export const a: number = ;\n',
      'src/a.ts:1:26: Expression expected.',
    ],
    [
      'src/b.tsx',
      'export const B = () => <div>hi</div>;\n',
      'export const B = () => <div>hi</span>;\n',
      'src/b.tsx:1:',
    ],
    [
      'lib/c.js',
      'function f() {\n  return 1;\n}\n',
      'function f() {\n  return 1;\n\n',
      "lib/c.js:4:1: '}' expected.",
    ],
    ['d.jsx', 'const D = <p>x</p>;\n', 'const D = <p>x</p;\n', 'd.jsx:1:'],
    ['package.json', '{\n  "name": "x"\n}\n', '{\n  "name": "x",\n}\n', 'package.json:3:1: '],
    ['tool.py', 'def f():\n    return 1\n', 'def f(:\n    return 1\n', 'tool.py:1:'],
  ])(
    'refuses an edit that breaks %s, with the parser message and line',
    async (path, before, after, where) => {
      const verdict = await guard.check(path, before, after);
      expect(verdict.allowed).toBe(false);
      if (verdict.allowed) return;
      expect(verdict.reason).toContain('the edit would make a file that parses fail to parse');
      expect(verdict.reason).toContain(where);
      expect(verdict.reason).toMatch(/nothing was written$/);
    },
  );

  it('lets a good edit through, and files it does not parse', async () => {
    expect(await guard.check('a.ts', 'const a = 1;\n', 'const a = 2;\n')).toEqual({ allowed: true });
    expect(await guard.check('a.py', 'x = 1\n', 'x = 2\n')).toEqual({ allowed: true });
    expect(await guard.check('notes.md', '# x\n', '{{{ not code')).toEqual({ allowed: true });
  });

  it('allows editing a file that did not parse before, saying it still does not', async () => {
    const verdict = await guard.check('a.json', '{ broken', '{ still broken');
    expect(verdict).toEqual({
      allowed: true,
      note: expect.stringContaining('did not parse before this edit either') as unknown,
    });
  });

  it('refuses a new file that does not parse', async () => {
    const verdict = await guard.check('new.ts', null, 'export const = 1;\n');
    expect(verdict).toEqual({
      allowed: false,
      reason: expect.stringContaining('the new file would not parse: new.ts:1:') as unknown,
    });
  });

  it('says so, and allows the edit, when python3 is not there', async () => {
    const noPython = new ParseGuard({ python3Command: 'python3-that-does-not-exist' });
    const verdict = await noPython.check('a.py', 'x = 1\n', 'def (:\n');
    expect(verdict).toEqual({
      allowed: true,
      note: 'the syntax of a.py was not checked: python3-that-does-not-exist is not available on this worker',
    });
  });
});
