import { fakeSecrets, pseudoRandom } from './testing';
import {
  findSecrets,
  findSecretsAfterEdits,
  SECRET_RULES,
  type SecretFinding,
  type SecretRule,
  type SecretScanEdit,
} from './index';

/**
 * Whether a pattern's consuming parts (lookarounds aside) can match a line break: a class or escape
 * that holds `\n`, a negated class that does not exclude it, `.` with the `s` flag.
 */
function canConsumeLineBreak(pattern: RegExp): boolean {
  const src = pattern.source;
  const holdsBreak = (escape: string) => /^[sWDn]$/.test(escape);
  const lookarounds: boolean[] = [];
  let inLookaround = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      i++;
      if (inLookaround === 0 && holdsBreak(src[i]!)) return true;
    } else if (c === '[') {
      let j = i + 1;
      const negated = src[j] === '^';
      if (negated) j++;
      let hasBreak = false;
      for (; src[j] !== ']'; j++) {
        if (src[j] === '\\') {
          j++;
          if (holdsBreak(src[j]!)) hasBreak = true;
        } else if (src[j + 1] === '-' && src[j + 2] !== ']') {
          // A literal range: `\n` is code 10.
          if (src.charCodeAt(j) <= 10 && src.charCodeAt(j + 2) >= 10) hasBreak = true;
          j += 2;
        }
      }
      i = j;
      if (inLookaround === 0 && negated !== hasBreak) return true;
    } else if (c === '(') {
      const lookaround = /^\(\?<?[=!]/.test(src.slice(i, i + 4));
      lookarounds.push(lookaround);
      if (lookaround) inLookaround++;
    } else if (c === ')') {
      if (lookarounds.pop()) inLookaround--;
    } else if (c === '.' && pattern.flags.includes('s') && inLookaround === 0) return true;
  }
  return false;
}

/** A seeded generator (mulberry32): the same seed, the same cases. */
function random(seed: number): { int(n: number): number; pick<T>(items: readonly T[]): T } {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)]!,
  };
}

/** The PEM rules with their bodies bounded short, so that texts of a few KB exercise their reach. */
const SHORT_PEM_RULES: readonly SecretRule[] = SECRET_RULES.map((rule) => {
  if (!rule.spansLines) return rule;
  const source = rule.pattern.source.replace('{16,16384}?', '{16,256}?').replace('{1,1024}', '{1,6}');
  const reach = source.includes('{16,256}?') ? 132 + 256 + 130 + 1 : 132 + 6 * 132 + 1;
  return {
    ...rule,
    pattern: new RegExp(source, rule.pattern.flags),
    spansLines: { ...rule.spansLines, reach },
  };
});

/** Pieces of text: prose, secrets in the shapes people paste them, PEM blocks whole and in part. */
function pieces(seed: number): string[] {
  const s = fakeSecrets(seed);
  const begin = s.privateKeyPem.split('\n')[0]!;
  const end = s.privateKeyPem.split('\n').at(-1)!;
  return [
    'The service keeps its state in one store.',
    'Deploy with the usual pipeline; roll back on red.',
    '## Section',
    '',
    `token = "${s.githubToken}"`,
    `aws_access_key_id = ${s.awsAccessKeyId}`,
    `AWS_SECRET_ACCESS_KEY=${s.awsSecretAccessKey}`,
    `Use the key ${s.openAiKey} for the model.`,
    `charge with ${s.stripeKey} in production`,
    `slack: ${s.slackToken}`,
    `Authorization: Bearer ${s.jwt}`,
    `DB_PASSWORD = "${s.password}"`,
    `postgres://app:${s.urlPassword}@db.internal:5432/shop`,
    s.privateKeyPem,
    `${begin}\n${s.privateKeyLines.join('\n')}`,
    // A credential and a second BEGIN line inside a block: both part of its finding, found alone
    // once its BEGIN line goes.
    `${begin}\n${s.privateKeyLines[0]}\npassword: ${pseudoRandom(seed + 1, 20)}9\n${s.privateKeyLines[1]}\n${end}`,
    `${begin}\n${s.privateKeyLines[0]}\n${begin}\n${s.privateKeyLines[1]}\n${end}`,
    begin,
    end,
    s.privateKeyLines[0]!,
    'password: ',
    'ghp_',
    '-----',
    'PRIVATE KEY',
    '://',
    pseudoRandom(seed, 40),
  ];
}

/** A random text of `lines` pieces, with `\n` or `\r\n` line ends. */
function randomText(r: ReturnType<typeof random>, seed: number, lines: number): string {
  const parts = pieces(seed);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(r.pick(parts));
  return out.join(r.int(4) === 0 ? '\r\n' : '\n');
}

/** Random edits of `text`, in order: insertions of pieces, deletions, changes at a finding's edge. */
function randomEdits(
  r: ReturnType<typeof random>,
  seed: number,
  text: string,
  findings: readonly SecretFinding[],
): SecretScanEdit[] {
  const parts = pieces(seed);
  const count = 1 + (r.int(5) === 0 ? r.int(3) : 0);
  const edits: SecretScanEdit[] = [];
  let at = 0;
  for (let k = 0; k < count && at <= text.length; k++) {
    const room = text.length - at;
    let start = at + r.int(Math.floor(room / (count - k)) + 1);
    const near = findings.length > 0 && r.int(3) === 0 ? r.pick(findings) : undefined;
    if (near && near.start >= at) start = Math.max(at, (r.int(2) === 0 ? near.start : near.end) - r.int(3));
    let maxCut = Math.min(text.length - start, r.pick([0, 1, 3, 20, 300]));
    // Now and then a BEGIN line goes (what followed it is no longer in a block).
    const begin = r.int(6) === 0 ? text.indexOf('-----BEGIN', start) : -1;
    if (begin !== -1) {
      start = begin;
      maxCut = Math.min(text.length - start, 31);
    }
    const end = start + (begin !== -1 ? maxCut : r.int(maxCut + 1));
    const insert = r.pick([
      '',
      '\n',
      '\r\n',
      'x',
      r.pick(parts),
      `\n${r.pick(parts)}\n`,
      `${r.pick(parts)}${r.pick(parts)}`,
    ]);
    edits.push({ start, end, text: insert });
    at = end + 1;
  }
  return edits;
}

function applyEdits(text: string, edits: readonly SecretScanEdit[]): string {
  const out: string[] = [];
  let at = 0;
  for (const e of edits) {
    out.push(text.slice(at, e.start), e.text);
    at = e.end;
  }
  out.push(text.slice(at));
  return out.join('');
}

describe('findSecretsAfterEdits', () => {
  it('relies on a true table: only the rules marked as spanning lines can match a line break', () => {
    for (const rule of SECRET_RULES) {
      expect({ id: rule.id, spansLines: canConsumeLineBreak(rule.pattern) }).toEqual({
        id: rule.id,
        spansLines: rule.spansLines !== undefined,
      });
    }
  });

  it("a multi-line rule's longest match is one short of its reach, and one more body character is no match", () => {
    const header = `-----BEGIN${'A'.repeat(100)}PRIVATE KEY BLOCK-----`;
    const footer = `-----END${'A'.repeat(100)}PRIVATE KEY BLOCK-----`;
    const [whole, truncated] = SECRET_RULES.filter((rule) => rule.spansLines);
    const longest = (rule: SecretRule, text: string) =>
      new RegExp(rule.pattern.source, rule.pattern.flags).exec(text)?.[0].length ?? 0;

    expect(longest(whole!, `${header}${'B'.repeat(16384)}${footer}`)).toBe(whole!.spansLines!.reach - 1);
    expect(longest(whole!, `${header}${'B'.repeat(16385)}${footer}`)).toBe(0);
    const line = `    ${'B'.repeat(128)}`;
    expect(longest(truncated!, `${header}${line.repeat(1100)}`)).toBe(truncated!.spansLines!.reach - 1);
  });

  it('equals a whole scan after random edits (secrets, PEM blocks, edits at a finding, CRLF)', () => {
    let compared = 0;
    let withFindings = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const r = random(seed);
      const rules = seed % 2 === 0 ? SHORT_PEM_RULES : SECRET_RULES;
      let text = randomText(r, seed, 40 + r.int(400));
      let findings = findSecrets(text, rules);
      for (let round = 0; round < 25; round++) {
        const edits = randomEdits(r, seed + round, text, findings);
        const next = applyEdits(text, edits);
        const incremental = findSecretsAfterEdits(next, { findings, edits }, rules);
        const whole = findSecrets(next, rules);
        expect({ seed, round, findings: incremental }).toEqual({ seed, round, findings: whole });
        compared++;
        if (whole.length > 0) withFindings++;
        // Chained: the next round starts from the incremental result, as a service would.
        text = next;
        findings = incremental;
      }
    }
    expect(compared).toBe(60 * 25);
    expect(withFindings).toBeGreaterThan(compared / 2);
  });

  it('rescans from before a PEM BEGIN line when an edit far below it completes the block', () => {
    const s = fakeSecrets(7);
    const begin = s.privateKeyPem.split('\n')[0]!;
    const end = s.privateKeyPem.split('\n').at(-1)!;
    const text = `intro\n${begin}\n${s.privateKeyLines.join('\n')}\n\nmore prose here\n`;
    const findings = findSecrets(text);
    const at = text.indexOf('more prose');
    const edits = [{ start: at, end: at, text: `${end}\n` }];
    const next = applyEdits(text, edits);
    const expected = findSecrets(next);
    expect(expected.map((f) => next.slice(f.start, f.end))).toEqual([
      `${begin}\n${s.privateKeyLines.join('\n')}\n\n${end}`,
    ]);
    expect(findSecretsAfterEdits(next, { findings, edits })).toEqual(expected);
  });

  it('keeps the earlier findings far from the edit, moved by it', () => {
    const s = fakeSecrets(3);
    const filler = 'Plain prose line.\n'.repeat(20_000);
    const text = `token = "${s.githubToken}"\n${filler}middle\n${filler}DB_PASSWORD = "${s.password}"\n`;
    const findings = findSecrets(text);
    const at = text.indexOf('middle');
    const edits = [{ start: at, end: at + 6, text: 'the middle, longer' }];
    const next = applyEdits(text, edits);
    const incremental = findSecretsAfterEdits(next, { findings, edits });
    expect(incremental).toEqual(findSecrets(next));
    expect(incremental).toHaveLength(2);
    expect(incremental[0]).toBe(findings[0]);
    expect(incremental[1]!.start).toBe(findings[1]!.start + 12);
  });

  it('scans the whole text when the edits do not fit it', () => {
    const s = fakeSecrets(5);
    const text = `token = "${s.githubToken}"\n`;
    const stale = [{ rule: 'github-pat', start: 0, end: 1 }];
    expect(
      findSecretsAfterEdits(text, { findings: stale, edits: [{ start: 50, end: 60, text: '' }] }),
    ).toEqual(findSecrets(text));
    expect(
      findSecretsAfterEdits(text, {
        findings: stale,
        edits: [
          { start: 5, end: 6, text: '' },
          { start: 2, end: 3, text: '' },
        ],
      }),
    ).toEqual(findSecrets(text));
  });
});
