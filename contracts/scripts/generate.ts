/**
 * `npm run generate`: writes contracts/schemas/*.json, contracts/validators/*.js, contracts/asyncapi.yaml and
 * deploy/nats-permissions.conf (each service's NATS permissions) from the registry, and deletes
 * schema and validator files no message produces any more. Run after changing a contract; the
 * staleness test fails until you do.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { SCHEMA_DIR } from '../src/generation/json-schema-files';
import { renderGeneratedFiles } from '../src/generation/generated-files';
import { NATS_PERMISSIONS_FILE, renderNatsPermissions } from '../src/generation/nats-permissions';
import { VALIDATOR_DIR } from '../src/precompiled-validators';
import { messages } from '../src/registry';

// Compiled to contracts/dist/scripts/generate.js; the package root is two levels up.
const contractsDir = resolve(__dirname, '..', '..');

const files = renderGeneratedFiles();
// Outside contracts/ (deploy/ is where operators look), so not among the files counted as contracts'.
const deployFiles = new Map([[NATS_PERMISSIONS_FILE, renderNatsPermissions(messages)]]);
let written = 0;
for (const [path, text] of [...files, ...deployFiles]) {
  const target = join(contractsDir, path);
  let current: string | undefined;
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    current = undefined; // a new file
  }
  if (current === text) continue;
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  written += 1;
  console.log(`wrote   ${path}`);
}

let removed = 0;
for (const [dir, suffix] of [
  [SCHEMA_DIR, '.json'],
  [VALIDATOR_DIR, '.js'],
] as const) {
  for (const name of readdirSync(join(contractsDir, dir))) {
    const path = `${dir}/${name}`;
    if (name.endsWith(suffix) && !files.has(path)) {
      rmSync(join(contractsDir, path));
      removed += 1;
      console.log(`removed ${path}`);
    }
  }
}
console.log(`contracts: ${files.size} files, ${written} written, ${removed} removed`);
