import type { PlanNodeKind, PlanNodeOrigin, PlanNodeStatus, RiskLevel } from '@autopilot/contracts';
import type { SectionFacts } from '../section-facts/extract-section';
import type { NodeLabel } from './plan-kinds';

/** What the planner needs of a `blueprint.ingested` payload (the event has more). */
export interface BlueprintForPlan {
  readonly blueprintId: string;
  readonly projectId: string;
  readonly version: number;
  readonly text: string;
  readonly sections: readonly BlueprintSectionForPlan[];
  /** For a blueprint of several files: each file's path and where it starts in `text`. */
  readonly files?: readonly { readonly path: string; readonly start: number }[];
}

export interface BlueprintSectionForPlan {
  readonly id: string;
  readonly parentId?: string;
  readonly level: number;
  readonly title: string;
  readonly start: number;
  readonly end: number;
  readonly hash: string;
  readonly wordCount: number;
  /** Where the section's own text ends (its first subsection); derived from the next section when absent. */
  readonly bodyEnd?: number;
  /** `preamble`: text before a file's first heading, which explains rather than plans. */
  readonly kind?: 'heading' | 'preamble';
  /** The file of a multi-file blueprint the section is in. */
  readonly file?: string;
}

/** A section whose facts went into a node: the node's own, or a facet sub-section it absorbed. */
export interface SectionSource {
  readonly sectionId: string;
  readonly hash: string;
  /** Where the section starts in the text: fact offsets are relative to it. */
  readonly start: number;
  readonly facts: SectionFacts;
}

/** A node of the plan graph with everything the rules found; `toPlanNodeMessage` gives the contract shape. */
export interface PlannedNode {
  readonly id: string;
  readonly sectionId: string;
  readonly parentId?: string;
  readonly depth: number;
  readonly kind: PlanNodeKind;
  readonly title: string;
  /** The explicit level word and number of the heading ("Story", "1.2"), if it has them. */
  readonly label?: NodeLabel;
  readonly number?: string;
  readonly start: number;
  readonly end: number;
  readonly priority: number;
  readonly priorityClass: number;
  readonly risk: RiskLevel;
  readonly status: PlanNodeStatus;
  readonly dependsOn: readonly string[];
  readonly externalDependencies: readonly string[];
  /** Why each stated or ordered dependency exists: the sentence it came from, or the order rule. */
  readonly dependencyReasons?: readonly { readonly nodeId: string; readonly because: string }[];
  readonly deliverables: readonly string[];
  readonly acceptanceCriteria: readonly string[];
  readonly filePaths: readonly string[];
  readonly commands: readonly (readonly string[])[];
  /** Words of the node's own text and absorbed facets (subsections excluded). */
  readonly wordCount: number;
  /** Why the rules could not settle the node; the model may refine it. */
  readonly ambiguity?: string;
  readonly origin: PlanNodeOrigin;
  readonly sources: readonly SectionSource[];
  /** What the section says, for the task's body: its own text and the facets it absorbed, capped. */
  readonly body: string;
  /** Why the node has its priority and its risk, in a sentence each. */
  readonly reasons: { readonly priority: string; readonly risk: string };
  /** The file (several-file blueprints) and 1-based line range; set by `withSourceLines`. */
  readonly file?: string;
  readonly startLine?: number;
  readonly endLine?: number;
}

/** The plan graph of one blueprint version: nodes in document order, parents before children. */
export interface PlanGraph {
  readonly planId: string;
  readonly projectId: string;
  readonly blueprintId: string;
  readonly blueprintVersion: number;
  readonly nodes: readonly PlannedNode[];
}
