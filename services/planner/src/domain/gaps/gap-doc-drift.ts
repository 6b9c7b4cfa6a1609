import {
  exists,
  lineOf,
  MAX_EVIDENCE,
  packageManifests,
  pathEvidence,
  type GapFinding,
  type RepoIndex,
} from './gap-repo-index';

/**
 * Doc drift: the root README runs package scripts that package.json lacks, links to or names paths
 * that are not in the repository, or package.json has scripts the README never mentions. Only what
 * can be checked without guessing is reported: a code span counts as a path only when it contains a
 * `/` and its first segment is a real top-level directory.
 */

/** `npm run x`, `npm run-script x`, `pnpm run x`, `yarn run x`, `bun run x`. */
const RUN_SCRIPT = /\b(npm|pnpm|yarn|bun)\s+(?:run|run-script)\s+([A-Za-z0-9][A-Za-z0-9:._-]*)/g;
/** `npm test`, `npm start`...: npm's aliases for the scripts of the same name. */
const ALIAS_SCRIPT = /\b(npm|pnpm|yarn)\s+(test|start|stop|restart)\b/g;
const MARKDOWN_LINK = /\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
const CODE_SPAN = /`([^`\s]+)`/g;
/** Scripts npm runs by itself, which a README has no reason to mention. */
const LIFECYCLE_SCRIPT =
  /^(pre|post)|^(prepare|prepublishOnly|prepack|postpack|install|preinstall|postinstall)$/;

export function docDriftGaps(index: RepoIndex): GapFinding[] {
  const readme = index.rootFiles.find((f) => /^readme(\.(md|markdown|rst|txt))?$/i.test(f.path));
  if (readme?.content === undefined) return []; // a missing README is its own gap
  const rootManifest = packageManifests(index).find((m) => m.path === 'package.json');
  const scripts = rootManifest?.scripts ?? {};
  const lines = readme.content.split('\n');

  const missingScripts = new Map<string, number[]>();
  const missingPaths = new Map<string, number[]>();
  const mentioned = new Set<string>();
  const note = (map: Map<string, number[]>, key: string, line: number) => {
    const at = map.get(key) ?? [];
    if (at[at.length - 1] !== line) at.push(line);
    map.set(key, at);
  };

  lines.forEach((text, i) => {
    const line = i + 1;
    for (const [, , name] of text.matchAll(RUN_SCRIPT)) {
      mentioned.add(name!);
      if (scripts[name!] === undefined) note(missingScripts, name!, line);
    }
    for (const [, tool, name] of text.matchAll(ALIAS_SCRIPT)) {
      mentioned.add(name!);
      // `npm start` falls back to `node server.js`; only test has no such fallback worth trusting.
      if (scripts[name!] === undefined && (tool !== 'npm' || name === 'test'))
        note(missingScripts, name!, line);
    }
    for (const [, target] of text.matchAll(MARKDOWN_LINK)) {
      const path = linkedPath(target!);
      if (path !== undefined && !exists(index, path)) note(missingPaths, path, line);
    }
    for (const [, span] of text.matchAll(CODE_SPAN)) {
      const path = namedPath(index, span!);
      if (path !== undefined && !exists(index, path)) note(missingPaths, path, line);
    }
  });

  const gaps: GapFinding[] = [];
  for (const [name, at] of missingScripts) {
    gaps.push({
      kind: 'doc_drift',
      key: `script:${name}`,
      title: `README runs the script "${name}", which package.json does not define`,
      detail: rootManifest
        ? `The README tells people to run "${name}", but the root package.json has no such script.`
        : `The README tells people to run "${name}", but there is no root package.json.`,
      evidence: at
        .slice(0, MAX_EVIDENCE)
        .map((line) => pathEvidence(readme.path, line, lines[line - 1]!.trim())),
      risk: 'low',
      blocking: false,
    });
  }
  for (const [path, at] of missingPaths) {
    gaps.push({
      kind: 'doc_drift',
      key: `path:${path}`,
      title: `README points to ${path}, which is not in the repository`,
      detail: `The README links to or names "${path}", but no tracked file or directory has that path.`,
      evidence: at
        .slice(0, MAX_EVIDENCE)
        .map((line) => pathEvidence(readme.path, line, lines[line - 1]!.trim())),
      risk: 'low',
      blocking: false,
    });
  }

  if (rootManifest !== undefined) {
    const undocumented = Object.keys(scripts)
      .filter((name) => !LIFECYCLE_SCRIPT.test(name) && !mentioned.has(name))
      .sort();
    if (undocumented.length > 0) {
      const scriptsLine = lineOf(rootManifest.content, '"scripts"') ?? 1;
      gaps.push({
        kind: 'doc_drift',
        key: 'undocumented-scripts',
        title: `${undocumented.length} package.json script(s) not mentioned in the README`,
        detail: `The README never runs: ${undocumented.join(', ')}. People (and agents) learn the workflow from it.`,
        evidence: undocumented
          .slice(0, MAX_EVIDENCE)
          .map((name) =>
            pathEvidence(
              rootManifest.path,
              lineOf(rootManifest.content, `"${name}"`, scriptsLine),
              `"${name}": ${JSON.stringify(scripts[name])}`,
            ),
          ),
        risk: 'low',
        blocking: false,
      });
    }
  }
  return gaps;
}

/** The repository path a Markdown link target names, or undefined for URLs, anchors and the like. */
function linkedPath(target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#') || target.startsWith('//'))
    return undefined;
  if (target.startsWith('/')) return undefined; // site-absolute: meaningful to a host, not to the tree
  const path = target.split('#')[0]!.split('?')[0]!;
  let clean: string;
  try {
    clean = decodeURIComponent(path);
  } catch {
    clean = path;
  }
  clean = clean.replace(/^\.\//, '');
  if (clean === '' || clean.split('/').includes('..')) return undefined;
  return clean;
}

/** The path a code span names, when it surely is one: a relative path under a real top-level directory. */
function namedPath(index: RepoIndex, span: string): string | undefined {
  const clean = span.replace(/^\.\//, '');
  if (
    !clean.includes('/') ||
    /[*?<>{}$@:|\\]/.test(clean) ||
    clean.startsWith('/') ||
    clean.startsWith('~')
  ) {
    return undefined;
  }
  if (clean.split('/').includes('..')) return undefined;
  const first = clean.split('/')[0]!;
  return index.dirs.has(first) ? clean : undefined;
}
