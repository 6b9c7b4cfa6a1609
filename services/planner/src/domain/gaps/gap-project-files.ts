import { packageManifests, pathEvidence, type GapFinding, type RepoIndex } from './gap-repo-index';

/**
 * Missing project files: a README (where people and agents learn how to build and test) and a
 * license (without one, nobody else may legally use the code).
 */

const README = /^readme(\.[a-z]+)?$/i;
const LICENSE = /^(licen[cs]e|copying|unlicense)([.-][a-z0-9.-]+)?$/i;

export function projectFileGaps(index: RepoIndex): GapFinding[] {
  const gaps: GapFinding[] = [];
  const rootListing = index.rootFiles
    .slice(0, 20)
    .map((f) => f.path)
    .join(', ');
  if (!index.rootFiles.some((f) => README.test(f.path))) {
    gaps.push({
      kind: 'missing_readme',
      key: 'readme',
      title: 'No README at the repository root',
      detail: 'Nothing tells a newcomer (or an agent) what this is and how to build and test it.',
      evidence: [pathEvidence('.', undefined, `root files: ${rootListing || 'none'}`)],
      risk: 'medium',
      blocking: false,
    });
  }
  if (!index.rootFiles.some((f) => LICENSE.test(f.path))) {
    const declared = packageManifests(index).find((m) => m.path === 'package.json')?.license;
    gaps.push({
      kind: 'missing_license',
      key: 'license',
      title: 'No LICENSE file at the repository root',
      detail:
        declared !== undefined
          ? `package.json declares "${declared}", but no license text ships with the code.`
          : 'Without a license, nobody else may legally use, change or share the code.',
      evidence: [
        pathEvidence(
          declared !== undefined ? 'package.json' : '.',
          undefined,
          `root files: ${rootListing || 'none'}`,
        ),
      ],
      risk: 'low',
      blocking: false,
    });
  }
  return gaps;
}
