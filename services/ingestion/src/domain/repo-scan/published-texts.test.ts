import { REPO_FILE_TEXT_LIMITS } from '@autopilot/contracts';
import { maskCredentials, publishedTexts } from './published-texts';
import type { ManifestFile } from './repo-snapshot';

const file = (path: string, content: string, truncated = false): ManifestFile => ({
  path,
  hash: 'a'.repeat(40),
  content,
  truncated,
});

describe('publishedTexts', () => {
  it('carries the root README, package.json and .npmrc files in path order, not other manifests', () => {
    const { texts, truncated } = publishedTexts([
      file('web/package.json', '{"name":"web"}'),
      file('README.md', '# r'),
      file('go.mod', 'module m'),
      file('package.json', '{}', true),
      file('.npmrc', 'save-exact=true'),
    ]);
    expect(texts).toEqual([
      { path: '.npmrc', text: 'save-exact=true' },
      { path: 'README.md', text: '# r' },
      { path: 'package.json', text: '{}', truncated: true },
      { path: 'web/package.json', text: '{"name":"web"}' },
    ]);
    expect(truncated).toBe(false);
  });

  it('keeps the shallowest texts within the total bound and says some were left out', () => {
    const half = 'x'.repeat(REPO_FILE_TEXT_LIMITS.maxTotalChars / 2);
    const { texts, truncated } = publishedTexts([
      file('a/b/package.json', half),
      file('package.json', half),
      file('a/package.json', half),
    ]);
    expect(texts.map((t) => t.path)).toEqual(['a/package.json', 'package.json']);
    expect(truncated).toBe(true);
  });
});

describe('maskCredentials', () => {
  it('masks the value of every .npmrc credential, keeping its key and line', () => {
    const npmrc = [
      'registry=https://registry.npmjs.org/',
      '//registry.npmjs.org/:_authToken=npm_abc123',
      '_auth = dXNlcjpwYXNz',
      '//npm.example.com/:_password=c2VjcmV0',
      'always-auth=true',
      '',
    ].join('\n');
    expect(maskCredentials(npmrc)).toBe(
      [
        'registry=https://registry.npmjs.org/',
        '//registry.npmjs.org/:_authToken=***',
        '_auth = ***',
        '//npm.example.com/:_password=***',
        'always-auth=true',
        '',
      ].join('\n'),
    );
  });
});
