import type { Reference } from '../section-facts/extract-references';
import { parseReference, saysFinished } from '../section-facts/extract-references';
import { plainTitle, type NodeLabel } from './plan-kinds';

/** What the index needs of a node; nodes are in document order, so a subtree is an index range. */
export interface IndexedNode {
  readonly title: string;
  readonly name: string;
  readonly label?: NodeLabel;
  readonly number?: string;
  /** Index of the parent node, -1 at the top. */
  readonly parent: number;
  /** One past the last index of the node's subtree. */
  readonly subtreeEnd: number;
}

/** A resolution: a node index, `self` (the node or one on its own root path), or nothing. */
export type Resolution = { readonly node: number } | 'self' | undefined;

/** Lower case, no markdown, no punctuation: "**Auth** service." and "auth service" are one key. */
export function titleKey(title: string): string {
  return plainTitle(title)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * The anchor a markdown renderer gives a heading, as GitHub does: lower case, punctuation dropped,
 * spaces to hyphens ("Story 1.2: Login" → "story-12-login").
 */
export function headingSlug(title: string): string {
  return plainTitle(title)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function push(map: Map<string, number[]>, key: string, index: number): void {
  if (key === '') return;
  const list = map.get(key);
  if (list) {
    if (list[list.length - 1] !== index) list.push(index);
  } else map.set(key, [index]);
}

const INSTRUCTION =
  /^(add|implement|create|build|write|fix|update|support|port|set up|introduce|make|design|define|enable|ship|expose|revert|remove|replace|rename|move|migrate|refactor|extract|document|deploy|release)( (a|an|the))? /;

/**
 * Finds the node a dependency names: by numbering with its label ("Story 1.2"), by bare numbering
 * ("1.2"), by heading path ("Phase 1 > Login"), by an in-document link's anchor (its text when no
 * heading has that anchor) or by title. Several nodes with one title (every story has "Tests")
 * resolve to the one nearest the referring node, then the first in the document.
 * Built once per plan in linear time; a lookup costs its candidates times the tree depth (<= 6).
 */
export class ReferenceIndex {
  private readonly byLabelNumber = new Map<string, number[]>();
  private readonly byNumber = new Map<string, number[]>();
  /**
   * Built on the first title or words looked up: plans whose dependencies all name numbered
   * items ("Story 1.2") never need it, and it costs three normalised keys per node.
   */
  private byTitle: Map<string, number[]> | undefined;
  /** Built on the first link looked up: most plans have none. */
  private bySlug: Map<string, number[]> | undefined;

  constructor(private readonly nodes: readonly IndexedNode[]) {
    nodes.forEach((node, i) => {
      if (node.number !== undefined) {
        push(this.byNumber, node.number, i);
        if (node.label) push(this.byLabelNumber, `${node.label}:${node.number}`, i);
      }
    });
  }

  resolve(text: string, from: number): Resolution {
    return this.pick(this.candidates(parseReference(text)), from);
  }

  /**
   * The node whose title of two words or more the words start with (after an article): "the token
   * bucket per API key is in place" names "Token bucket per API key". Longest title first. A
   * one-word name counts only where the words go on to say it is finished ("the toggle is done"
   * names the item "Toggle in the settings page"): alone, a word after "after" is as often a
   * thing ("after tests pass") as an item.
   */
  resolvePrefix(text: string, from: number): number | undefined {
    const words = titleKey(text)
      .split(' ')
      .filter((w) => w !== '');
    const start = /^(the|a|an|our|this)$/.test(words[0] ?? '') ? 1 : 0;
    const shortest = saysFinished(words.slice(start + 1).join(' ')) ? start + 1 : start + 2;
    for (let n = Math.min(words.length, start + 12); n >= shortest; n--) {
      const key = words.slice(start, n).join(' ');
      const found = this.titles().get(key);
      if (!found) continue;
      const picked = this.pick(found, from);
      return picked === 'self' || picked === undefined ? undefined : picked.node;
    }
    return undefined;
  }

  /** The node titled exactly `title` (nearest first), taken as written: never parsed as a reference. */
  resolveTitle(title: string, from: number): Resolution {
    return this.pick(this.titles().get(titleKey(title)) ?? [], from);
  }

  /** The subject of a table row ("Story 2.1"), resolved without a referring node. */
  resolveSubject(text: string): number | undefined {
    const found = this.candidates(parseReference(text));
    return found.length > 0 ? Math.min(...found) : undefined;
  }

  private candidates(ref: Reference): readonly number[] {
    switch (ref.type) {
      case 'labelled':
        return this.byLabelNumber.get(`${ref.label}:${ref.number}`) ?? [];
      case 'number':
        return this.byNumber.get(ref.number) ?? [];
      case 'title':
        return this.titles().get(titleKey(ref.title)) ?? [];
      case 'path':
        return this.path(ref.segments);
      case 'anchor':
        return this.slugs().get(ref.slug) ?? this.titles().get(titleKey(ref.text)) ?? [];
      default: {
        const never: never = ref;
        throw new Error(`unknown reference ${String(never)}`);
      }
    }
  }

  private titles(): Map<string, number[]> {
    if (this.byTitle === undefined) {
      const byTitle = new Map<string, number[]>();
      this.nodes.forEach((node, i) => {
        const nameKey = titleKey(node.name);
        push(byTitle, titleKey(node.title), i);
        push(byTitle, nameKey, i);
        // "after the drain promise API" names the item "Add a drain promise API": the thing made,
        // without the verb that makes it. (Pushing `nameKey` again would change nothing.)
        const made = nameKey.replace(INSTRUCTION, '');
        if (made !== nameKey && made.includes(' ')) push(byTitle, made, i);
      });
      this.byTitle = byTitle;
    }
    return this.byTitle;
  }

  private slugs(): Map<string, number[]> {
    if (this.bySlug === undefined) {
      const bySlug = new Map<string, number[]>();
      this.nodes.forEach((node, i) => push(bySlug, headingSlug(node.title), i));
      this.bySlug = bySlug;
    }
    return this.bySlug;
  }

  private path(segments: readonly string[]): readonly number[] {
    let scope: readonly number[] | undefined;
    for (const segment of segments) {
      const ref = parseReference(segment);
      const found = ref.type === 'path' ? [] : this.candidates(ref);
      const inScope =
        scope === undefined
          ? found
          : found.filter((c) => scope!.some((s) => c > s && c < this.nodes[s]!.subtreeEnd));
      if (inScope.length === 0) return [];
      scope = inScope;
    }
    return scope ?? [];
  }

  private onRootPath(candidate: number, from: number): boolean {
    const c = this.nodes[candidate]!;
    const f = this.nodes[from]!;
    return (candidate <= from && from < c.subtreeEnd) || (from <= candidate && candidate < f.subtreeEnd);
  }

  /** Depth of the deepest common ancestor of `a` and `from` (-1: none). */
  private closeness(a: number, from: number): number {
    let depth = 0;
    for (let p = this.nodes[a]!.parent; p >= 0; p = this.nodes[p]!.parent) depth++;
    for (let p = this.nodes[a]!.parent; p >= 0; p = this.nodes[p]!.parent, depth--) {
      if (p <= from && from < this.nodes[p]!.subtreeEnd) return depth - 1;
    }
    return -1;
  }

  private pick(candidates: readonly number[], from: number): Resolution {
    if (candidates.length === 0) return undefined;
    let best = -1;
    let bestCloseness = -2;
    let sawSelf = false;
    for (const c of candidates) {
      if (this.onRootPath(c, from)) {
        sawSelf = true;
        continue;
      }
      const closeness = candidates.length === 1 ? 0 : this.closeness(c, from);
      if (closeness > bestCloseness) {
        best = c;
        bestCloseness = closeness;
      }
    }
    if (best >= 0) return { node: best };
    return sawSelf ? 'self' : undefined;
  }
}
