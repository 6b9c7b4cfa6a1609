import type { BlueprintIngestedV1, IntentionAnchor } from '@autopilot/contracts';
import { sha256Hex } from '@autopilot/kernel';
import { anchorFromBlueprint } from '../domain/anchor/anchor';
import type { AnchorBuilder } from './ports';

/**
 * The default AnchorBuilder: the intention anchor quoted from the blueprint alone. Where the
 * project's explicit inputs are known, bind an AnchorBuilder that passes them to
 * `anchorFromBlueprint` instead.
 */
export const blueprintAnchorBuilder: AnchorBuilder = {
  anchorFor: async (blueprint: BlueprintIngestedV1): Promise<IntentionAnchor> =>
    anchorFromBlueprint(blueprint, { hash: sha256Hex }),
};
