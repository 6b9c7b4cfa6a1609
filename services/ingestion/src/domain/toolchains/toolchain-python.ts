import type { RepoScanProblem, ToolchainEvidence } from '@autopilot/contracts';
import { isRequirementsFile } from './toolchain-files';
import { findLine, findSection, textSections, type TextSection } from './toolchain-manifest-text';
import { evidence, manifestText, type Detection, type ToolchainDirectory } from './toolchain-types';

/** Requirements files worth installing before tests run: the main one, then dev/test ones. */
const TEST_REQUIREMENTS = /^requirements[-_.](dev|test|tests|testing)\.txt$/;
/** Extras a project's tests usually need, in the order one is picked. */
const TEST_EXTRAS = ['test', 'tests', 'testing', 'dev'];
const PYTEST_MENTION = /(^|[^\w-])pytest([^\w-]|$)/;
const TEST_FILE = /^(test_.*|.*_test)\.py$/;

interface PythonFiles {
  pyproject?: TextSection[];
  pyprojectText?: string;
  setupCfg?: TextSection[];
  tox?: TextSection[];
  requirements: { name: string; text: string | undefined }[];
}

/**
 * Python from pyproject.toml, setup.py, setup.cfg, Pipfile, requirements*.txt, tox.ini or pytest.ini.
 * Installer: uv or Poetry when their lockfile (or table) says so, Pipenv for a Pipfile, else pip
 * (`pip install -e .` for a package, `pip install -r` for requirements). Tests: pytest when
 * anything points at it.
 */
export function detectPython(dir: ToolchainDirectory, problems: RepoScanProblem[]): Detection | undefined {
  const files = readPythonFiles(dir, problems);
  const manifest = primaryManifest(dir, files);
  if (manifest === undefined) return undefined;
  const found: ToolchainEvidence[] = [manifest.evidence];

  const { tool, install, run } = chooseInstaller(dir, files, found);
  const testCommand = chooseTestCommand(dir, files, found, run);
  const buildSystem = files.pyproject && findSection(files.pyproject, 'build-system');
  let buildCommand: string[] | undefined;
  if (buildSystem) {
    buildCommand =
      tool === 'poetry' ? ['poetry', 'build'] : tool === 'uv' ? ['uv', 'build'] : ['python', '-m', 'build'];
    found.push(
      evidence(dir, 'pyproject.toml', 'build backend declared', {
        line: buildSystem.line,
        field: '[build-system]',
      }),
    );
  }
  const ruff = files.pyproject && findSection(files.pyproject, 'tool.ruff');
  const ruffFile = ['ruff.toml', '.ruff.toml'].find((n) => dir.has(n));
  let lintCommand: string[] | undefined;
  if (ruff || ruffFile) {
    lintCommand = [...run, 'ruff', 'check', '.'];
    found.push(
      ruff
        ? evidence(dir, 'pyproject.toml', 'ruff configured', { line: ruff.line, field: '[tool.ruff]' })
        : evidence(dir, ruffFile ?? 'ruff.toml', 'ruff configured'),
    );
  }
  return {
    toolchain: {
      name: 'python',
      tool,
      directory: dir.path,
      manifestPath: manifest.path,
      ...(install ? { installCommand: install } : {}),
      ...(buildCommand ? { buildCommand } : {}),
      ...(testCommand ? { testCommand } : {}),
      ...(lintCommand ? { lintCommand } : {}),
      evidence: found,
    },
    // A nested directory with only requirements or test settings belongs to this project; a
    // nested package (its own pyproject.toml or setup.py) is a project of its own.
    covers: (d) => !d.has('pyproject.toml') && !d.has('setup.py'),
  };
}

function readPythonFiles(dir: ToolchainDirectory, problems: RepoScanProblem[]): PythonFiles {
  const pyprojectText = manifestText(dir, 'pyproject.toml', problems);
  const setupCfg = manifestText(dir, 'setup.cfg', problems);
  const tox = manifestText(dir, 'tox.ini', problems);
  return {
    ...(pyprojectText !== undefined ? { pyproject: textSections(pyprojectText), pyprojectText } : {}),
    ...(setupCfg !== undefined ? { setupCfg: textSections(setupCfg) } : {}),
    ...(tox !== undefined ? { tox: textSections(tox) } : {}),
    // requirements.txt first: it holds what the project runs on, the others add to it.
    requirements: dir.fileNames
      .filter(isRequirementsFile)
      .sort((a, b) => Number(b === 'requirements.txt') - Number(a === 'requirements.txt'))
      .map((name) => ({ name, text: manifestText(dir, name, problems) })),
  };
}

function primaryManifest(
  dir: ToolchainDirectory,
  files: PythonFiles,
): { path: string; evidence: ToolchainEvidence } | undefined {
  const pick = (name: string, reason: string, where: { line?: number; field?: string } = {}) => {
    const e = evidence(dir, name, reason, where);
    return { path: e.path, evidence: e };
  };
  if (dir.has('pyproject.toml')) {
    const project = files.pyproject && findSection(files.pyproject, 'project');
    return pick(
      'pyproject.toml',
      'pyproject.toml: a Python project',
      project ? { line: project.line, field: '[project]' } : { line: 1 },
    );
  }
  if (dir.has('setup.py')) return pick('setup.py', 'setup.py: a Python package');
  const cfgSection = files.setupCfg?.find((s) => ['metadata', 'options', 'tool:pytest'].includes(s.name));
  if (cfgSection)
    return pick('setup.cfg', 'setup.cfg: Python package settings', {
      line: cfgSection.line,
      field: `[${cfgSection.name}]`,
    });
  if (dir.has('Pipfile')) return pick('Pipfile', 'Pipfile: a Pipenv project');
  const requirements = files.requirements[0];
  if (requirements) return pick(requirements.name, 'requirements file: Python dependencies');
  const toxSection = files.tox?.find((s) => ['tox', 'testenv', 'pytest', 'tox:tox'].includes(s.name));
  if (toxSection)
    return pick('tox.ini', 'tox.ini: Python test settings', {
      line: toxSection.line,
      field: `[${toxSection.name}]`,
    });
  if (dir.has('pytest.ini')) return pick('pytest.ini', 'pytest.ini: Python tests', { line: 1 });
  return undefined;
}

function chooseInstaller(
  dir: ToolchainDirectory,
  files: PythonFiles,
  found: ToolchainEvidence[],
): { tool: string; install?: string[]; run: string[] } {
  if (dir.has('uv.lock')) {
    found.push(evidence(dir, 'uv.lock', 'uv lockfile: uv sync --frozen installs exactly what it pins'));
    return { tool: 'uv', install: ['uv', 'sync', '--frozen'], run: ['uv', 'run'] };
  }
  const poetryTable = files.pyproject && findSection(files.pyproject, 'tool.poetry');
  if (dir.has('poetry.lock') || poetryTable) {
    found.push(
      dir.has('poetry.lock')
        ? evidence(dir, 'poetry.lock', 'Poetry lockfile')
        : evidence(dir, 'pyproject.toml', 'Poetry project', {
            line: poetryTable?.line,
            field: '[tool.poetry]',
          }),
    );
    return { tool: 'poetry', install: ['poetry', 'install'], run: ['poetry', 'run'] };
  }
  if (dir.has('Pipfile')) {
    const locked = dir.has('Pipfile.lock');
    found.push(
      evidence(dir, locked ? 'Pipfile.lock' : 'Pipfile', locked ? 'Pipenv lockfile' : 'Pipenv project'),
    );
    return {
      tool: 'pipenv',
      install: locked ? ['pipenv', 'sync', '--dev'] : ['pipenv', 'install', '--dev'],
      run: ['pipenv', 'run'],
    };
  }
  const isPackage =
    dir.has('setup.py') ||
    (files.pyproject !== undefined &&
      (findSection(files.pyproject, 'project') ?? findSection(files.pyproject, 'build-system'))) ||
    files.setupCfg?.some((s) => s.name === 'metadata' || s.name === 'options');
  if (isPackage) {
    const extras = files.pyproject && findSection(files.pyproject, 'project.optional-dependencies');
    const extra = extras && TEST_EXTRAS.find((name) => extras.keys.has(name));
    if (extras && extra) {
      found.push(
        evidence(dir, 'pyproject.toml', `installable package with a "${extra}" extra`, {
          line: extras.keys.get(extra),
          field: `[project.optional-dependencies].${extra}`,
        }),
      );
      return { tool: 'pip', install: ['pip', 'install', '-e', `.[${extra}]`], run: [] };
    }
    return { tool: 'pip', install: ['pip', 'install', '-e', '.'], run: [] };
  }
  const requirements = files.requirements
    .map((r) => r.name)
    .filter((name) => name === 'requirements.txt' || TEST_REQUIREMENTS.test(name));
  if (requirements.length > 0) {
    for (const name of requirements) found.push(evidence(dir, name, `pip install -r ${name}`));
    return {
      tool: 'pip',
      install: ['pip', 'install', ...requirements.flatMap((name) => ['-r', name])],
      run: [],
    };
  }
  return { tool: 'pip', run: [] };
}

/** pytest when a setting, a dependency, a conftest.py or a test file points at it; tox otherwise. */
function chooseTestCommand(
  dir: ToolchainDirectory,
  files: PythonFiles,
  found: ToolchainEvidence[],
  run: readonly string[],
): string[] | undefined {
  const pytest = [...run, 'pytest'];
  if (dir.has('pytest.ini')) {
    found.push(evidence(dir, 'pytest.ini', 'pytest settings', { line: 1 }));
    return pytest;
  }
  for (const [sections, file, name] of [
    [files.pyproject, 'pyproject.toml', 'tool.pytest.ini_options'],
    [files.setupCfg, 'setup.cfg', 'tool:pytest'],
    [files.tox, 'tox.ini', 'pytest'],
  ] as const) {
    const section = sections && findSection(sections, name);
    if (section) {
      found.push(evidence(dir, file, 'pytest settings', { line: section.line, field: `[${name}]` }));
      return pytest;
    }
  }
  const mentions = [
    ...(files.pyprojectText !== undefined ? [{ name: 'pyproject.toml', text: files.pyprojectText }] : []),
    ...files.requirements,
  ];
  for (const { name, text } of mentions) {
    const line =
      text === undefined ? undefined : findLine(text, (l) => PYTEST_MENTION.test(l.replace(/#.*$/, '')));
    if (line !== undefined) {
      found.push(evidence(dir, name, 'pytest is a dependency', { line }));
      return pytest;
    }
  }
  if (dir.has('conftest.py')) {
    found.push(evidence(dir, 'conftest.py', 'pytest conftest.py'));
    return pytest;
  }
  const testFile = dir.firstFileBelow((name) => TEST_FILE.test(name));
  if (testFile !== undefined) {
    found.push({ path: testFile, reason: 'a test module pytest collects' });
    return pytest;
  }
  const tox = files.tox?.find((s) => s.name === 'tox' || s.name === 'testenv' || s.name === 'tox:tox');
  if (tox) {
    found.push(evidence(dir, 'tox.ini', 'tox environments', { line: tox.line, field: `[${tox.name}]` }));
    return [...run, 'tox'];
  }
  return undefined;
}
