import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Git } from '@autopilot/git';
import { DEMO_BLUEPRINT, DEMO_BLUEPRINT_FILE } from './demo-blueprint';
import { DEMO_REPOSITORY_FILES } from './demo-repository-files';

/**
 * Creates the demo's repository fresh in `<dir>/demo-repo` (its files committed on `main`) and the
 * sample blueprint beside it; the paths of both.
 */
export async function createDemoRepository(dir: string): Promise<{ repo: string; blueprint: string }> {
  const repo = join(dir, 'demo-repo');
  await rm(repo, { recursive: true, force: true });
  for (const [path, content] of Object.entries(DEMO_REPOSITORY_FILES)) {
    await mkdir(dirname(join(repo, path)), { recursive: true });
    await writeFile(join(repo, path), content);
  }
  const git = new Git(repo, {
    config: ['user.name=Autopilot demo', 'user.email=demo@autopilot.invalid', 'commit.gpgsign=false'],
  });
  await git.raw(['init', '-q', '-b', 'main']);
  await git.raw(['add', '-A']);
  await git.raw(['commit', '-q', '-m', 'tiny-shop: a cart library']);
  const blueprint = join(dir, DEMO_BLUEPRINT_FILE);
  await writeFile(blueprint, DEMO_BLUEPRINT);
  return { repo, blueprint };
}
