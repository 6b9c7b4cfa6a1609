import type { RepoFile } from '@autopilot/contracts';
import { sha256Hex } from '@autopilot/kernel';
import { snapshotHashInput } from '../domain/repo-scan/repo-snapshot';

/** sha256 of the snapshot's file list (domain `snapshotHashInput`), hex. */
export function snapshotHash(files: readonly RepoFile[]): string {
  return sha256Hex(snapshotHashInput(files));
}

/** Manifest bytes as text: UTF-8 with the BOM dropped; invalid bytes become U+FFFD rather than failing. */
export function manifestBytesToText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
}
