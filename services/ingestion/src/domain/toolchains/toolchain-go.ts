import type { RepoScanProblem, ToolchainEvidence } from '@autopilot/contracts';
import { findLine } from './toolchain-manifest-text';
import { evidence, manifestText, type Detection, type ToolchainDirectory } from './toolchain-types';

const GOLANGCI_CONFIGS = ['.golangci.yml', '.golangci.yaml', '.golangci.toml', '.golangci.json'];

/**
 * Go from go.mod. Each go.mod is a module of its own: `go test ./...` at a parent does not enter a
 * nested module, so a nested go.mod is reported separately (it covers nothing).
 */
export function detectGo(dir: ToolchainDirectory, problems: RepoScanProblem[]): Detection | undefined {
  if (!dir.has('go.mod')) return undefined;
  const text = manifestText(dir, 'go.mod', problems);
  const moduleLine = text === undefined ? undefined : findLine(text, (l) => /^\s*module\s+\S/.test(l));
  const found: ToolchainEvidence[] = [
    evidence(dir, 'go.mod', 'go.mod: a Go module', { line: moduleLine ?? 1, field: 'module' }),
  ];
  if (dir.has('go.sum')) found.push(evidence(dir, 'go.sum', 'go.sum pins module checksums'));
  const lintConfig = GOLANGCI_CONFIGS.find((name) => dir.has(name));
  if (lintConfig) found.push(evidence(dir, lintConfig, 'golangci-lint configured'));
  return {
    toolchain: {
      name: 'go',
      tool: 'go',
      directory: dir.path,
      manifestPath: found[0]?.path ?? 'go.mod',
      installCommand: ['go', 'mod', 'download'],
      buildCommand: ['go', 'build', './...'],
      testCommand: ['go', 'test', './...'],
      ...(lintConfig ? { lintCommand: ['golangci-lint', 'run'] } : {}),
      evidence: found,
    },
    covers: () => false,
  };
}
