/**
 * The default cap on one event or command body a consumer takes, in bytes. A 500k-word blueprint's
 * `blueprint.ingested` is ~12 MB; bodies of 200 MB and 480 MB (issue 13) took a consumer to 1 GB
 * and 2.2 GB of memory before their contract refused them. 64 MiB leaves five times the largest
 * legitimate message and keeps a consumer's worst case bounded.
 */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
