/** A point of a line in pixels; null breaks the line (a gap where a value is missing). */
export type PixelPoint = readonly [number, number] | null;

/** A coordinate with at most one decimal, which is finer than a pixel and keeps the page small. */
export function formatCoordinate(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return Object.is(rounded, -0) ? '0' : String(rounded);
}

/**
 * SVG path data (`M x,y L x,y …`) through `points` in order; a null starts a new segment after it, and a segment
 * of one point is drawn as a zero-length line (visible with round caps). Empty string when there is no point.
 */
export function buildLinePath(points: readonly PixelPoint[]): string {
  const parts: string[] = [];
  let penDown = false;
  let segmentLength = 0;
  const closeSegment = (): void => {
    // A lone point would draw nothing; repeating it gives a dot with stroke-linecap round.
    if (segmentLength === 1) parts.push(parts[parts.length - 1]?.replace(/^M/, 'L') ?? '');
  };
  for (const point of points) {
    if (point === null || !Number.isFinite(point[0]) || !Number.isFinite(point[1])) {
      closeSegment();
      penDown = false;
      segmentLength = 0;
      continue;
    }
    parts.push(`${penDown ? 'L' : 'M'}${formatCoordinate(point[0])},${formatCoordinate(point[1])}`);
    penDown = true;
    segmentLength++;
  }
  closeSegment();
  return parts.join('');
}

/**
 * Path data of a staircase through `points` sorted by x, stepping horizontally first then vertically (the shape of
 * a Pareto front or an empirical curve).
 */
export function buildStepPath(points: readonly (readonly [number, number])[]): string {
  const stepped: [number, number][] = [];
  points.forEach((point, i) => {
    const previous = points[i - 1];
    if (previous !== undefined) stepped.push([point[0], previous[1]]);
    stepped.push([point[0], point[1]]);
  });
  return buildLinePath(stepped);
}
