import type { MessageDef } from '../define-message';
import { messages } from '../registry';
import { ASYNCAPI_FILE, renderAsyncApiYaml } from './asyncapi-document';
import { renderJsonSchemaFiles } from './json-schema-files';
import { renderToolSchemaFiles } from './tool-schema-files';
import { precompiledSchemas, renderValidatorModules } from './validator-modules';
import type { ToolDef } from '../worker-tools/define-tool';
import { WORKER_TOOLS_V1 } from '../worker-tools/worker-tools.v1';

/** The AsyncAPI `info.version` of the contract set: v1 subjects, additive changes since. */
export const CONTRACTS_DOC_VERSION = '1.0.0';

/** Every published version of the worker's tool contract: a new version is added here, none removed. */
export const WORKER_TOOLS: readonly ToolDef[] = [...WORKER_TOOLS_V1];

/**
 * Everything `npm run generate` writes (message schemas, worker tool schemas, the AsyncAPI
 * document, precompiled validators), as path (relative to `contracts/`) → file text, sorted by path. Pure: the staleness test compares it with the checked-in files byte for byte.
 */
export function renderGeneratedFiles(
  defs: readonly MessageDef[] = messages,
  tools: readonly ToolDef[] = WORKER_TOOLS,
): Map<string, string> {
  const files = renderJsonSchemaFiles(defs);
  for (const [path, text] of renderToolSchemaFiles(tools)) files.set(path, text);
  files.set(ASYNCAPI_FILE, renderAsyncApiYaml(defs, CONTRACTS_DOC_VERSION));
  for (const [path, text] of renderValidatorModules(precompiledSchemas(defs, tools))) files.set(path, text);
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
