import type { ToolDef } from '../worker-tools/define-tool';
import { SCHEMA_DIR, toSchemaDocument } from './json-schema-files';

/** Where a worker tool's argument schema is written: flat, next to the message schemas. */
export const toolSchemaFile = (tool: ToolDef): string =>
  `${SCHEMA_DIR}/worker-tools.v${tool.version}.${tool.name}.json`;

/** One JSON Schema file per worker tool: its arguments, titled by name and version. Path → text. */
export function renderToolSchemaFiles(tools: readonly ToolDef[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const tool of tools) {
    const document = toSchemaDocument(tool.parameters, {
      $id: tool.schemaId,
      title: `worker tool ${tool.name} v${tool.version}`,
      description: tool.description,
    });
    files.set(toolSchemaFile(tool), `${JSON.stringify(document, null, 2)}\n`);
  }
  return files;
}
