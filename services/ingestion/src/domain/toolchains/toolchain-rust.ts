import type { RepoScanProblem, ToolchainEvidence } from '@autopilot/contracts';
import { findSection, quotedStringsFrom, textSections } from './toolchain-manifest-text';
import { evidence, manifestText, type Detection, type ToolchainDirectory } from './toolchain-types';

/**
 * Rust from Cargo.toml. A `[workspace]` manifest covers the crates below it and its commands get
 * `--workspace`; a plain package covers nothing (a nested crate such as `fuzz/` builds on its own).
 */
export function detectRust(dir: ToolchainDirectory, problems: RepoScanProblem[]): Detection | undefined {
  if (!dir.has('Cargo.toml')) return undefined;
  const text = manifestText(dir, 'Cargo.toml', problems);
  const sections = text === undefined ? [] : textSections(text);
  const workspace = findSection(sections, 'workspace');
  const pkg = findSection(sections, 'package');
  const found: ToolchainEvidence[] = [
    workspace
      ? evidence(dir, 'Cargo.toml', 'Cargo workspace', { line: workspace.line, field: '[workspace]' })
      : evidence(
          dir,
          'Cargo.toml',
          'Cargo package',
          pkg ? { line: pkg.line, field: '[package]' } : { line: 1 },
        ),
  ];
  const membersLine = workspace?.keys.get('members');
  const members =
    text !== undefined && membersLine !== undefined
      ? quotedStringsFrom(text, membersLine).filter((m) => m !== '')
      : [];
  const scope = workspace ? ['--workspace'] : [];
  const locked = dir.has('Cargo.lock');
  if (locked) found.push(evidence(dir, 'Cargo.lock', 'Cargo.lock: fetch what it pins (--locked)'));
  const clippy = ['clippy.toml', '.clippy.toml'].find((name) => dir.has(name));
  if (clippy) found.push(evidence(dir, clippy, 'clippy configured'));
  return {
    toolchain: {
      name: 'rust',
      tool: 'cargo',
      directory: dir.path,
      manifestPath: found[0]?.path ?? 'Cargo.toml',
      installCommand: locked ? ['cargo', 'fetch', '--locked'] : ['cargo', 'fetch'],
      buildCommand: ['cargo', 'build', ...scope],
      testCommand: ['cargo', 'test', ...scope],
      ...(clippy ? { lintCommand: ['cargo', 'clippy', ...scope, '--all-targets'] } : {}),
      ...(members.length > 0 ? { workspaces: members.slice(0, 200) } : {}),
      evidence: found,
    },
    covers: () => workspace !== undefined,
  };
}
