/**
 * Line-level readers for manifest formats, enough to point evidence at a line: JSON keys, INI/TOML
 * sections and keys, quoted strings. Not full parsers on purpose: JSON goes through `JSON.parse`
 * for values, and these only find where a value is. Each is one linear pass over the text.
 */

/** 1-based line of the character at `offset`. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Line of the key at `keyPath` in JSON text (`['scripts', 'test']`), or undefined. Finds each key
 * after the previous one, which is exact for the keys of an object that `JSON.parse` says exist.
 */
export function lineOfJsonKey(text: string, keyPath: readonly string[]): number | undefined {
  let from = 0;
  let at = -1;
  for (const key of keyPath) {
    at = findJsonKey(text, key, from);
    if (at < 0) return undefined;
    from = at + key.length + 2;
  }
  return at < 0 ? undefined : lineAt(text, at);
}

function findJsonKey(text: string, key: string, from: number): number {
  const quoted = JSON.stringify(key);
  for (let at = text.indexOf(quoted, from); at >= 0; at = text.indexOf(quoted, at + 1)) {
    let i = at + quoted.length;
    while (i < text.length && /\s/.test(text.charAt(i))) i++;
    if (text.charAt(i) === ':') return at;
  }
  return -1;
}

/** A `[section]` (INI, setup.cfg, TOML; `[[array]]` tables too) and the keys written under it. */
export interface TextSection {
  /** Section name without brackets; '' for keys before the first header. */
  readonly name: string;
  /** 1-based line of the header (1 for the unnamed leading section). */
  readonly line: number;
  /** Key -> 1-based line, for `key = value` and `key: value` lines at the section's top level. */
  readonly keys: ReadonlyMap<string, number>;
}

const SECTION_HEADER = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:[#;].*)?$/;
const KEY_LINE = /^([A-Za-z0-9_.\-"']+)\s*[=:]/;

/** The sections of an INI or TOML text in order. Keys are read from unindented lines only. */
export function textSections(text: string): TextSection[] {
  const sections: { name: string; line: number; keys: Map<string, number> }[] = [
    { name: '', line: 1, keys: new Map() },
  ];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const header = SECTION_HEADER.exec(line);
    if (header?.[1] !== undefined) {
      sections.push({ name: header[1].replace(/["']/g, ''), line: i + 1, keys: new Map() });
      continue;
    }
    const key = KEY_LINE.exec(line);
    const current = sections[sections.length - 1];
    if (key?.[1] !== undefined && current && !current.keys.has(key[1])) {
      current.keys.set(key[1].replace(/["']/g, ''), i + 1);
    }
  }
  return sections;
}

/** The first section with this name, or undefined. */
export function findSection(sections: readonly TextSection[], name: string): TextSection | undefined {
  return sections.find((s) => s.name === name);
}

/** 1-based line of the first line that `test` accepts, or undefined. */
export function findLine(text: string, test: (line: string) => boolean): number | undefined {
  let start = 0;
  for (let line = 1; start <= text.length; line++) {
    const end = text.indexOf('\n', start);
    if (test(text.slice(start, end < 0 ? text.length : end))) return line;
    if (end < 0) return undefined;
    start = end + 1;
  }
  return undefined;
}

/**
 * The quoted strings of a TOML array written from line `fromLine` on (`members = ["a", "b/*"]`,
 * possibly over several lines), up to its closing bracket.
 */
export function quotedStringsFrom(text: string, fromLine: number): string[] {
  const lines = text.split('\n');
  const values: string[] = [];
  for (let i = fromLine - 1; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/#.*$/, '');
    const afterEquals = i === fromLine - 1 ? line.slice(line.indexOf('=') + 1) : line;
    for (const m of afterEquals.matchAll(/"([^"]*)"|'([^']*)'/g)) values.push(m[1] ?? m[2] ?? '');
    if (afterEquals.includes(']')) break;
  }
  return values;
}
