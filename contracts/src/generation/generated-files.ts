import type { MessageDef } from '../define-message';
import { messages } from '../registry';
import { ASYNCAPI_FILE, renderAsyncApiYaml } from './asyncapi-document';
import { renderJsonSchemaFiles } from './json-schema-files';

/** The AsyncAPI `info.version` of the contract set: v1 subjects, additive changes since. */
export const CONTRACTS_DOC_VERSION = '1.0.0';

/**
 * Everything `npm run generate` writes, as path (relative to `contracts/`) → file text, sorted by
 * path. Pure: the staleness test compares it with the checked-in files byte for byte.
 */
export function renderGeneratedFiles(defs: readonly MessageDef[] = messages): Map<string, string> {
  const files = renderJsonSchemaFiles(defs);
  files.set(ASYNCAPI_FILE, renderAsyncApiYaml(defs, CONTRACTS_DOC_VERSION));
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
