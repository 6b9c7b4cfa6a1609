import { createHash } from 'node:crypto';

/**
 * The git blob id of `content` (SHA-1 of `blob <size>\0<content>`), so a file outside git hashes
 * exactly as `git ls-files -s` would print it. SHA-1 names content here; it guards nothing.
 */
export function gitBlobId(content: Uint8Array): string {
  return createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
}
