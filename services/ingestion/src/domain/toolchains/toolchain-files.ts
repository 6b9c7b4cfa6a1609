/**
 * The one list of the files toolchain detection knows by name. `starts`: the file makes its
 * directory a toolchain candidate (toolchain-detection). `read`: detection needs its text, so a scan
 * reads it (repo-snapshot's manifest selection); the others matter by presence only. Lockfiles and
 * tool configs a detector merely checks for (`yarn.lock`, `ruff.toml`) are its own business.
 */
const TOOLCHAIN_FILES: ReadonlyMap<string, { readonly starts: boolean; readonly read: boolean }> = new Map(
  Object.entries({
    // node
    'package.json': { starts: true, read: true },
    'pnpm-workspace.yaml': { starts: false, read: true },
    // python (and requirements*.txt, below)
    'pyproject.toml': { starts: true, read: true },
    'setup.py': { starts: true, read: false },
    'setup.cfg': { starts: true, read: true },
    Pipfile: { starts: true, read: false },
    'tox.ini': { starts: true, read: true },
    'pytest.ini': { starts: true, read: true },
    // go, rust
    'go.mod': { starts: true, read: true },
    'Cargo.toml': { starts: true, read: true },
    // java
    'pom.xml': { starts: true, read: true },
    'build.gradle': { starts: true, read: true },
    'build.gradle.kts': { starts: true, read: true },
    'settings.gradle': { starts: true, read: true },
    'settings.gradle.kts': { starts: true, read: true },
  }),
);

/** `requirements.txt`, `requirements-dev.txt`, ...: each starts a Python toolchain and is read. */
const REQUIREMENTS_FILE = /^requirements([-_.][\w.-]*)?\.txt$/;

/** True for a requirements file (`requirements.txt`, `requirements-dev.txt`, ...). */
export function isRequirementsFile(name: string): boolean {
  return REQUIREMENTS_FILE.test(name);
}

/** True when a file of this name makes its directory a toolchain candidate. */
export function startsToolchain(name: string): boolean {
  return TOOLCHAIN_FILES.get(name)?.starts === true || isRequirementsFile(name);
}

/** True when toolchain detection reads a file of this name (a manifest). */
export function isToolchainManifest(name: string): boolean {
  return TOOLCHAIN_FILES.get(name)?.read === true || isRequirementsFile(name);
}
