import { REPO_FILE_TEXT_LIMITS, type RepoFileText } from '@autopilot/contracts';
import { baseName, compareByDepth, comparePaths, isPublishedText, type ManifestFile } from './repo-snapshot';

/**
 * An .npmrc setting that holds a credential (`//registry/:_authToken=...`, `_auth=`, `_password=`,
 * `password=`): its value never leaves the service. The key and the fact that a value is there stay,
 * so a reader can still tell that the file holds one, and on which line.
 */
const NPMRC_CREDENTIAL = /^([^=\n]*(?:_authToken|_auth|_password|password)\s*=[ \t]*)\S[^\n]*$/gim;

/** An .npmrc's text with every credential value replaced by `***`. */
export function maskCredentials(npmrc: string): string {
  return npmrc.replace(NPMRC_CREDENTIAL, '$1***');
}

/**
 * The texts `repo.scanned` carries (`fileTexts`): the read files `isPublishedText` names, the
 * shallowest first while they fit REPO_FILE_TEXT_LIMITS, listed in path order, .npmrc credentials
 * masked. `truncated` when a file was left out for the bounds.
 */
export function publishedTexts(read: readonly ManifestFile[]): { texts: RepoFileText[]; truncated: boolean } {
  const candidates = read
    .filter((f) => isPublishedText(f.path))
    .sort((a, b) => compareByDepth(a.path, b.path));
  const texts: RepoFileText[] = [];
  let total = 0;
  let truncated = false;
  for (const file of candidates) {
    const whole = baseName(file.path) === '.npmrc' ? maskCredentials(file.content) : file.content;
    const text = whole.slice(0, REPO_FILE_TEXT_LIMITS.maxChars);
    if (
      texts.length >= REPO_FILE_TEXT_LIMITS.maxCount ||
      total + text.length > REPO_FILE_TEXT_LIMITS.maxTotalChars
    ) {
      truncated = true;
      continue;
    }
    total += text.length;
    texts.push({
      path: file.path,
      text,
      ...(file.truncated || text.length < whole.length ? { truncated: true } : {}),
    });
  }
  return { texts: texts.sort((a, b) => comparePaths(a.path, b.path)), truncated };
}
