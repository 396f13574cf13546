/** The sums a straight-line fit of y on x needs: the means, Σ(x − x̄)² and Σ(x − x̄)(y − ȳ). */
export interface LineMoments {
  meanX: number;
  meanY: number;
  sxx: number;
  sxy: number;
}

/** Of `n` points, point i at (x(i), y(i)); by index, so that callers holding columns need no point objects. */
export function lineMoments(n: number, x: (i: number) => number, y: (i: number) => number): LineMoments {
  let sumX = 0;
  let sumY = 0;
  for (let i = 0; i < n; i++) sumX += x(i);
  for (let i = 0; i < n; i++) sumY += y(i);
  const meanX = sumX / n;
  const meanY = sumY / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x(i) - meanX) ** 2;
    sxy += (x(i) - meanX) * (y(i) - meanY);
  }
  return { meanX, meanY, sxx, sxy };
}
