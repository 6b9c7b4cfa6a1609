import { firstMatchingGlob, globProblem, matchesGlob } from './glob';

describe('matchesGlob', () => {
  it.each([
    ['.git/**', '.git/config', true],
    ['.git/**', '.git/hooks/pre-commit', true],
    ['.git/**', '.git', true],
    ['.git/**', '.github/workflows/ci.yml', false],
    ['.git/**', 'sub/.git/config', false],
    ['**/.git/**', 'sub/.git/config', true],
    ['.github/workflows/**', '.github/workflows/ci.yml', true],
    ['.github/workflows/**', '.github/CODEOWNERS', false],
    ['*.md', 'README.md', true],
    ['*.md', 'docs/README.md', false],
    ['**/*.md', 'docs/README.md', true],
    ['**/*.md', 'README.md', true],
    ['*', '.env', true],
    ['.env*', '.env.production', true],
    ['**/.env*', 'apps/web/.env', true],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'src/a/b.ts', false],
    ['src/**/test/*.ts', 'src/test/a.ts', true],
    ['src/**/test/*.ts', 'src/x/y/test/a.ts', true],
    ['src/**/test/*.ts', 'src/x/y/tests/a.ts', false],
    ['?.ts', 'a.ts', true],
    ['?.ts', 'ab.ts', false],
    ['?.ts', '/.ts', false],
    ['a.b', 'aXb', false],
    ['**', 'anything/at/all', true],
    ['**/package-lock.json', 'packages/x/package-lock.json', true],
  ])('%s against %s is %s', (glob, path, expected) => {
    expect(matchesGlob(path, glob)).toBe(expected);
  });

  it('matches regardless of case when asked (case-insensitive file systems)', () => {
    expect(matchesGlob('.GIT/config', '.git/**')).toBe(false);
    expect(matchesGlob('.GIT/config', '.git/**', { caseInsensitive: true })).toBe(true);
  });

  it('names the first glob that matches', () => {
    expect(firstMatchingGlob('a/b.key', ['*.md', '**/*.key', '**'])).toBe('**/*.key');
    expect(firstMatchingGlob('a/b.txt', ['*.md'])).toBeUndefined();
  });
});

describe('globProblem', () => {
  it.each([
    ['', 'is empty'],
    ['/etc/**', 'is absolute'],
    ['src/../x', '. or ..'],
    ['src//x', 'empty segment'],
    ['src/', 'empty segment'],
    ['src/**.ts', 'whole segment'],
    ['src/{a,b}', 'not supported'],
    ['src/[ab]', 'not supported'],
    ['!src/x', 'not supported'],
    ['src\\x', 'not supported'],
    ['**/**/**/**/**', 'more than four'],
  ])('%j is refused: %s', (glob, problem) => {
    expect(globProblem(glob)).toContain(problem);
  });

  it.each(['.git/**', '**/*.pem', 'src/?/*.ts', '.github/workflows/**'])('%s is fine', (glob) => {
    expect(globProblem(glob)).toBeUndefined();
  });
});
