/**
 * The names the contracts are built on, as plain constants: `@autopilot/contracts/names` loads no
 * schema library, so a CLI that only parses its arguments (`autopilot --help`, a flag's choices)
 * does not pay for every contract's schema at start.
 */

/** The services that produce and consume messages (DESIGN.md section 2). */
export const SERVICES = ['ingestion', 'planner', 'manager', 'worker', 'governance', 'gateway'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** How much a project runs without asking a person (DESIGN.md section 5). */
export const AUTONOMY_MODES = ['off', 'suggest', 'semi_auto', 'full_auto'] as const;
