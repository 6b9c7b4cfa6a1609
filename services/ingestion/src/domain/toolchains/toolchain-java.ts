import type { RepoScanProblem, ToolchainEvidence } from '@autopilot/contracts';
import { joinPath } from '../repo-scan/repo-snapshot';
import { findLine } from './toolchain-manifest-text';
import { evidence, manifestText, type Detection, type ToolchainDirectory } from './toolchain-types';

const GRADLE_BUILDS = ['build.gradle.kts', 'build.gradle', 'settings.gradle.kts', 'settings.gradle'];
const GRADLE_SETTINGS = ['settings.gradle.kts', 'settings.gradle'];

/**
 * Java from pom.xml (Maven) or a Gradle build. A wrapper (`gradlew`, `mvnw`) is preferred to a
 * system install, because it pins the build tool's version; Gradle wins over Maven when both are
 * there only if its wrapper is. Multi-module builds cover the modules below them. No install
 * command: both tools fetch dependencies as part of the build.
 */
export function detectJava(dir: ToolchainDirectory, problems: RepoScanProblem[]): Detection | undefined {
  const gradleFile = GRADLE_BUILDS.find((name) => dir.has(name));
  const maven = dir.has('pom.xml');
  if (!gradleFile && !maven) return undefined;
  if (gradleFile && (!maven || dir.has('gradlew'))) {
    if (maven)
      problems.push({
        path: joinPath(dir.path, 'pom.xml'),
        message: 'Maven and Gradle builds side by side; Gradle (it has a wrapper) was chosen',
      });
    return gradle(dir, gradleFile, problems);
  }
  if (gradleFile)
    problems.push({
      path: joinPath(dir.path, gradleFile),
      message: 'Maven and Gradle builds side by side; Maven was chosen (Gradle has no wrapper)',
    });
  return mavenBuild(dir, problems);
}

function gradle(dir: ToolchainDirectory, buildFile: string, problems: RepoScanProblem[]): Detection {
  const found: ToolchainEvidence[] = [evidence(dir, buildFile, 'Gradle build', { line: 1 })];
  const wrapper = dir.has('gradlew');
  found.push(
    wrapper
      ? evidence(dir, 'gradlew', 'Gradle wrapper: pins the Gradle version')
      : evidence(dir, buildFile, 'no gradlew: the installed gradle'),
  );
  const run = wrapper ? './gradlew' : 'gradle';
  const settingsFile = GRADLE_SETTINGS.find((name) => dir.has(name));
  const modules: string[] = [];
  if (settingsFile) {
    const text = manifestText(dir, settingsFile, problems) ?? '';
    const includeLine = findLine(text, (l) => /^\s*include\b/.test(l));
    for (const line of text.split('\n')) {
      if (!/^\s*include\b/.test(line)) continue;
      for (const m of line.matchAll(/["']:?([^"']+)["']/g)) if (m[1]) modules.push(m[1].replace(/:/g, '/'));
    }
    found.push(
      evidence(
        dir,
        settingsFile,
        modules.length > 0 ? `multi-project build: ${modules.join(', ')}` : 'Gradle settings',
        {
          line: includeLine ?? 1,
        },
      ),
    );
  }
  return {
    toolchain: {
      name: 'java',
      tool: 'gradle',
      directory: dir.path,
      manifestPath: found[0]?.path ?? buildFile,
      buildCommand: [run, 'assemble'],
      testCommand: [run, 'test'],
      ...(modules.length > 0 ? { workspaces: modules.slice(0, 200) } : {}),
      evidence: found,
    },
    // A settings file makes this the root of a multi-project build: builds below are its projects.
    covers: () => settingsFile !== undefined,
  };
}

function mavenBuild(dir: ToolchainDirectory, problems: RepoScanProblem[]): Detection {
  const text = manifestText(dir, 'pom.xml', problems) ?? '';
  const found: ToolchainEvidence[] = [
    evidence(dir, 'pom.xml', 'Maven build', { line: findLine(text, (l) => /<project\b/.test(l)) ?? 1 }),
  ];
  const wrapper = dir.has('mvnw');
  if (wrapper) found.push(evidence(dir, 'mvnw', 'Maven wrapper: pins the Maven version'));
  const run = wrapper ? './mvnw' : 'mvn';
  const modules = [...text.matchAll(/<module>\s*([^<]+?)\s*<\/module>/g)]
    .map((m) => m[1] ?? '')
    .filter(Boolean);
  if (modules.length > 0) {
    found.push(
      evidence(dir, 'pom.xml', `multi-module build: ${modules.join(', ')}`, {
        line: findLine(text, (l) => /<modules>/.test(l)),
        field: 'modules',
      }),
    );
  }
  return {
    toolchain: {
      name: 'java',
      tool: 'maven',
      directory: dir.path,
      manifestPath: found[0]?.path ?? 'pom.xml',
      buildCommand: [run, '-B', '-DskipTests', 'package'],
      testCommand: [run, '-B', 'test'],
      ...(modules.length > 0 ? { workspaces: modules.slice(0, 200) } : {}),
      evidence: found,
    },
    covers: () => modules.length > 0,
  };
}
