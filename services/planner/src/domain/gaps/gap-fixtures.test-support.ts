import type { RepoFileText, RepoScannedV1 } from '@autopilot/contracts';
import { sha256Hex } from '@autopilot/kernel';
import {
  LARGE_FILE_BYTES,
  MAX_CONTENT_BYTES,
  wantsContent,
  type RepoSnapshot,
  type RepoSnapshotFile,
} from './gap-snapshot';

/** Test files: path -> text or bytes. */
export type RepoFiles = Readonly<Record<string, string | Uint8Array>>;

const bytesOf = (content: string | Uint8Array): Uint8Array =>
  typeof content === 'string' ? new TextEncoder().encode(content) : content;

/** Git's test, as the repository scan applies it to large files: a NUL in the first 8000 bytes. */
const looksBinary = (bytes: Uint8Array): boolean => bytes.subarray(0, 8000).includes(0);

/** A commit id (40 hex digits, as SHA-1's) that follows the files, so equal trees get equal ids. */
const commitOf = (files: RepoFiles): string =>
  sha256Hex(JSON.stringify(Object.entries(files).map(([p, c]) => [p, Array.from(bytesOf(c))]))).slice(0, 40);

/**
 * The snapshot of a repository holding `files` as the scanner sees it: every file with its size,
 * large ones with git's binary test, and the text of the files `wantsContent` names.
 */
export function snapshotOf(files: RepoFiles): RepoSnapshot {
  const listed = Object.entries(files).map(([path, content]): RepoSnapshotFile => {
    const bytes = bytesOf(content);
    const text =
      wantsContent(path) && bytes.length <= MAX_CONTENT_BYTES ? new TextDecoder().decode(bytes) : undefined;
    return {
      path,
      size: bytes.length,
      binary: bytes.length >= LARGE_FILE_BYTES && looksBinary(bytes),
      ...(text !== undefined ? { content: text } : {}),
    };
  });
  return { commit: commitOf(files), files: listed };
}

/**
 * A `repo.scanned` payload for a repository holding `files`, shaped as ingestion publishes it: the
 * inventory with sizes (and binary flags for large files), the texts of the root README and of the
 * package.json and .npmrc files.
 */
export function scannedRepoOf(files: RepoFiles, fields: Partial<RepoScannedV1> = {}): RepoScannedV1 {
  const paths = Object.keys(files).sort();
  const fileTexts: RepoFileText[] = [];
  for (const path of paths) {
    const base = path.slice(path.lastIndexOf('/') + 1);
    const manifest = (base === 'package.json' || base === '.npmrc') && !path.includes('node_modules/');
    const rootReadme = path === base && /^readme(\.(md|markdown|rst|txt))?$/i.test(base);
    if (manifest || rootReadme)
      fileTexts.push({ path, text: new TextDecoder().decode(bytesOf(files[path]!)) });
  }
  return {
    projectId: 'project-1',
    jobId: 'job-1',
    repo: { location: '/srv/repo', defaultBranch: 'main' },
    commit: commitOf(files),
    toolchains: [],
    languages: [],
    fileCount: paths.length,
    topLevelPaths: [],
    scannedAt: '2026-01-01T00:00:00.000Z',
    files: paths.map((path) => {
      const bytes = bytesOf(files[path]!);
      return {
        path,
        hash: sha256Hex(path).slice(0, 40),
        size: bytes.length,
        ...(bytes.length >= LARGE_FILE_BYTES ? { binary: looksBinary(bytes) } : {}),
      };
    }),
    filesTruncated: false,
    fileTexts,
    fileTextsTruncated: false,
    ...fields,
  };
}

/** A tidy Node project: README documenting every script, license, lockfile, tests. No gaps. */
export const CLEAN_REPO: Readonly<Record<string, string>> = {
  'README.md': [
    '# Widget',
    '',
    'Build with `npm run build`, test with `npm test`, lint with `npm run lint`.',
    'Sources live in `src/`; see [the guide](docs/guide.md).',
    '',
  ].join('\n'),
  LICENSE: 'MIT License\n',
  'package.json': JSON.stringify(
    {
      name: 'widget',
      version: '1.0.0',
      scripts: { build: 'tsc', test: 'jest', lint: 'eslint .', prepare: 'npm run build' },
      devDependencies: { jest: '30.0.0', typescript: '6.0.0' },
    },
    null,
    2,
  ),
  'package-lock.json': '{"lockfileVersion": 3}\n',
  '.gitignore': 'node_modules\n.env\n',
  '.env.example': 'API_KEY=\n',
  'docs/guide.md': '# Guide\n',
  'src/widget.ts': 'export const widget = 1;\n',
  'src/widget.test.ts': "test('widget', () => expect(1).toBe(1));\n",
};

/**
 * A scan of a repository with `src/part1/` and an npm toolchain, for project-1: checking a plan of
 * `src/partN/storyM.ts` stories against it changes their tasks' scope and validation.
 */
export function npmRepoScan(jobId = 'scan-1'): RepoScannedV1 {
  return scannedRepoOf(
    { 'package.json': '{"scripts":{"test":"jest"}}', 'src/part1/story1.ts': 'export {};\n' },
    {
      projectId: 'project-1',
      jobId,
      topLevelPaths: ['package.json', 'src/'],
      toolchains: [
        {
          name: 'node',
          tool: 'npm',
          directory: '.',
          manifestPath: 'package.json',
          testCommand: ['npm', 'run', 'test'],
        },
      ],
    },
  );
}
