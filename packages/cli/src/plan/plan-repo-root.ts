import { resolve } from 'node:path';
import type { IngestionSettings } from '@autopilot/ingestion';
import type { SettingsByService } from '@autopilot/runtime';

/**
 * The services' settings with `--repo` allowed: ingestion scans only local paths under its roots
 * (AUTOPILOT_INGESTION_REPO_ROOTS, none by default), and `autopilot plan --repo <path>` is a person
 * naming the repository on their own machine, so that one directory is added to the roots. Given as
 * a value, not through the variable, so a path with a comma or colon in it stays one path.
 */
export function allowRepoRoot(settings: SettingsByService, repo: string | undefined): SettingsByService {
  if (repo === undefined) return settings;
  const ingestion = settings.get('ingestion') as IngestionSettings | undefined;
  const allowed: IngestionSettings = { repoRoots: [...(ingestion?.repoRoots ?? []), resolve(repo)] };
  return new Map([...settings, ['ingestion', allowed]]);
}
