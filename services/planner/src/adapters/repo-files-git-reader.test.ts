import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RepoReadError } from '../app/gap-repo-reader';
import { GitRepoSnapshotReader } from './repo-files-git-reader';
import { cleanupRepos, commitAll, gitRepo, writeFiles } from './repo-files-fixture.test-support';

const reader = new GitRepoSnapshotReader();
afterAll(cleanupRepos);

/** Every path under `dir` with its size and mtime: any write shows up as a difference. */
function fingerprint(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${p} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

describe('GitRepoSnapshotReader', () => {
  it('reads the committed tree: paths, sizes, and the contents the scanner wants', async () => {
    const dir = gitRepo({
      'README.md': '# R\n',
      'package.json': '{"name":"r"}',
      'src/a.ts': 'export {};\n',
      'weird name ü.txt': 'x',
    });
    writeFiles(dir, { 'uncommitted.txt': 'not in history\n' });
    const snapshot = await reader.read(dir);

    expect(snapshot.files.map((f) => f.path).sort()).toEqual([
      'README.md',
      'package.json',
      'src/a.ts',
      'weird name ü.txt',
    ]);
    expect(snapshot.files.find((f) => f.path === 'src/a.ts')).toEqual({
      path: 'src/a.ts',
      size: 11,
      binary: false,
    });
    expect(snapshot.files.find((f) => f.path === 'README.md')?.content).toBe('# R\n');
    expect(snapshot.files.find((f) => f.path === 'package.json')?.content).toBe('{"name":"r"}');
  });

  it('reads an older commit when asked, and writes nothing to the repository', async () => {
    const dir = gitRepo({ 'a.txt': 'a\n' });
    const first = commitAll(dir, 'again');
    writeFiles(dir, { 'b.txt': 'b\n' });
    commitAll(dir, 'b');
    const before = fingerprint(dir);

    const snapshot = await reader.read(dir, first);

    expect(snapshot.commit).toBe(first);
    expect(snapshot.files.map((f) => f.path)).toEqual(['a.txt']);
    expect(fingerprint(dir)).toEqual(before);
  });

  it('refuses a directory that is not a repository, and an unknown commit, with a typed error', async () => {
    const plain = mkdtempSync(join(tmpdir(), 'planner-not-a-repo-'));
    try {
      await expect(reader.read(plain)).rejects.toThrow(RepoReadError);
      await expect(reader.read(plain)).rejects.toMatchObject({
        code: 'PLANNER_REPO_UNREADABLE',
        path: plain,
      });
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
    const dir = gitRepo({ 'a.txt': 'a\n' });
    await expect(reader.read(dir, 'deadbeef'.repeat(5))).rejects.toThrow(/no commit deadbeef/);
    await expect(reader.read(dir, '--output=/tmp/x')).rejects.toThrow(RepoReadError);
  });
});
