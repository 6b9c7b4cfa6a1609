import stringWidth from 'string-width';

/**
 * A line cut to fit `columns` terminal cells, with an ellipsis when cut. Cells, not characters: a
 * CJK character or an emoji takes two, and a bar line that wrapped would break the redraw (the
 * bars are redrawn by moving the cursor up one row per line). Measured with the same `string-width`
 * the progress library uses.
 */
export function fitToWidth(text: string, columns: number): string {
  if (columns <= 0) return '';
  if (stringWidth(text) <= columns) return text;
  let width = 0;
  let kept = '';
  for (const point of text) {
    const cells = stringWidth(point);
    if (width + cells > columns - 1) break;
    width += cells;
    kept += point;
  }
  return `${kept}…`;
}
