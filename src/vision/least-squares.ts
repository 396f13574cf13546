/** The sums a straight-line fit of y on x needs: the means, Σ(x − x̄)² and Σ(x − x̄)(y − ȳ). */
export interface LineMoments {
  meanX: number;
  meanY: number;
  sxx: number;
  sxy: number;
}

export function lineMoments<T>(points: readonly T[], x: (p: T) => number, y: (p: T) => number): LineMoments {
  const n = points.length;
  const meanX = points.reduce((s, p) => s + x(p), 0) / n;
  const meanY = points.reduce((s, p) => s + y(p), 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of points) {
    sxx += (x(p) - meanX) ** 2;
    sxy += (x(p) - meanX) * (y(p) - meanY);
  }
  return { meanX, meanY, sxx, sxy };
}
