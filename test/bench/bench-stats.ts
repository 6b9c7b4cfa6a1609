import * as os from 'node:os';

/** The value at quantile `q` (0..1) of unsorted samples; NaN for none. */
export function quantile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] as number;
}

export function median(values: readonly number[]): number {
  return quantile(values, 0.5);
}

export const round = (n: number, digits = 2): number => Number(n.toFixed(digits));

/** The closing line every bench prints (DESIGN.md section 9). */
export function benchLine(
  bench: string,
  figures: Record<string, number>,
  baseline: Record<string, number>,
  ratio: Record<string, number>,
): string {
  return JSON.stringify({
    bench,
    figures,
    baseline,
    ratio,
    machine: { cpus: os.cpus().length, node: process.version },
  });
}
