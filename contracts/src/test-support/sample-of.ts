import type { MessageDef } from '../define-message';
import { samplePayloads } from './sample-payloads';

/** A deep copy of the sample payload of `def`, for a test to break one field of. */
export function sampleOf(def: MessageDef): Record<string, unknown> {
  const found = samplePayloads.find((s) => s.def.type === def.type);
  if (!found) throw new Error(`no sample payload for ${def.type}`);
  return structuredClone(found.payload) as Record<string, unknown>;
}
