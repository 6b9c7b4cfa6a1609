import {
  startScriptedModel,
  type ScriptedAnswer,
  type ScriptedModel,
  type ScriptedModelCall,
} from '@autopilot/testing';
import { DEMO_SOLUTIONS } from './demo-solutions';

/** The model name the demo's price table and worker use; the scripted server answers for it. */
export const DEMO_MODEL = 'scripted-demo';
/** A tiny price, so the report shows costs the way a real model's would. */
export const DEMO_PRICE_TABLE = JSON.stringify({
  [DEMO_MODEL]: { inputUsdPerMillion: 0.4, cachedInputUsdPerMillion: 0.1, outputUsdPerMillion: 1.6 },
});

/**
 * The demo's bundled scripted model: an OpenAI-compatible server on a loopback port answering each
 * run from its task's scripted solution (demo-solutions.ts): the task is found by its title in the
 * prompt's task heading, the next tool call by how many the conversation already holds. No LLM is
 * called.
 */
export function startDemoModel(): Promise<ScriptedModel> {
  return startScriptedModel({ fallback: answer });
}

function answer(call: ScriptedModelCall): ScriptedAnswer {
  const prompt = call.body.messages
    .filter((m) => m.role === 'system' || m.role === 'user')
    .map((m) => m.content)
    .join('\n');
  // The task's own heading (the worker's context starts it `# Task <id>: <title>`); other tasks'
  // titles may appear below it, as dependencies.
  const title = /^# Task [^:\n]+: (.*)$/m.exec(prompt)?.[1] ?? prompt;
  const solution = DEMO_SOLUTIONS.find((s) => title.includes(s.taskTitle));
  if (!solution) return { text: 'scripted model: no scripted solution for this task' };
  const made = call.body.messages.filter(
    (m) => m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0,
  ).length;
  const next = solution.calls[Math.min(made, solution.calls.length - 1)]!;
  return { toolCalls: [{ name: next.tool, arguments: { ...next.args } }] };
}
