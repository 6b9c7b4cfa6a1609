/**
 * @autopilot/git/testing: real git repositories built by code for tests. Test code only.
 *
 *   const dir = await makeGitRepository({ 'package.json': '{}' });
 *   await writeFiles(dir, { 'src/a.ts': '' });
 *   const commit = await commitAll(dir, 'add a');
 */
export * from './git-fixtures';
