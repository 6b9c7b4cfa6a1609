/**
 * @autopilot/secret-scan: secret-shaped text and secret files, as the well-known scanners define
 * them (a versioned port of gitleaks' and secretlint's rules). Pure: no I/O, no dependencies, so a
 * service's domain/ may use it.
 *
 *   const findings = findSecrets(text); // [{ rule: 'github-pat', start, end }], ordered, no overlaps
 *   const safe = redactSecrets(text, findings); // "... [redacted: github-pat] ..."
 *   findSecretsAfterEdits(edited, { findings, edits }); // the same as findSecrets(edited), scanning near the edits
 *   isSecretPath('.git/hooks/pre-commit'); // true: never part of a task's scope
 */
export {
  findSecrets,
  mergeSecretFindings,
  redactSecrets,
  replacementFor,
  secretMarker,
  describeSecretRule,
  type SecretFinding,
} from './secret-scan';
export {
  SECRET_RULES,
  SECRET_RULES_VERSION,
  SECRET_RULE_SOURCES,
  shannonEntropy,
  type SecretRule,
} from './secret-rules';
export { findSecretsAfterEdits, type EarlierSecretScan, type SecretScanEdit } from './secret-rescan';
export { isSecretPath } from './secret-paths';
