/**
 * Optimal assignment for rectangular cost matrices: the shortest-augmenting-path form of the Hungarian method
 * (Jonker–Volgenant style, with row and column potentials), O(n²·m) for n rows ≤ m columns.
 */

export interface AssignmentResult {
  /** [row, column] pairs. */
  matches: [number, number][];
  unmatchedRows: number[];
  unmatchedCols: number[];
}

function checkMatrix(cost: readonly (readonly number[])[]): number {
  const cols = cost.length > 0 ? cost[0].length : 0;
  cost.forEach((row, i) => {
    if (row.length !== cols) throw new Error(`cost matrix row ${i} has ${row.length} columns, expected ${cols}`);
  });
  return cols;
}

/** Core solver; needs rows ≤ cols and finite costs. Returns the column of each row. */
function solveRowsLeCols(cost: readonly (readonly number[])[], n: number, m: number): Int32Array {
  // 1-based internal arrays; index 0 is the virtual source column of each augmentation.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const rowOfCol = new Int32Array(m + 1);
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    rowOfCol[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = rowOfCol[j0];
      const costRow = cost[i0 - 1];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const reduced = costRow[j - 1] - u[i0] - v[j];
        if (reduced < minv[j]) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[rowOfCol[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (rowOfCol[j0] !== 0);
    do {
      const j1 = way[j0];
      rowOfCol[j0] = rowOfCol[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const colOfRow = new Int32Array(n).fill(-1);
  for (let j = 1; j <= m; j++) if (rowOfCol[j] > 0) colOfRow[rowOfCol[j] - 1] = j - 1;
  return colOfRow;
}

/**
 * Assignment where leaving a row unmatched costs `maxCost` (the `extend_cost` / `cost_limit` form used by SORT and
 * ByteTrack): a pair is only matched when that lowers the total, pairs costing more than `maxCost` or a non-finite
 * value are never matched, and the result is globally optimal under that rule.
 */
export function assignWithLimit(cost: readonly (readonly number[])[], maxCost: number): AssignmentResult {
  if (!Number.isFinite(maxCost)) throw new Error(`maxCost must be finite, got ${maxCost}`);
  const n = cost.length;
  const m = checkMatrix(cost);
  // Any forbidden entry must cost more than the row's private dummy column, so it is never the better choice.
  const forbidden = Math.abs(maxCost) * 2 + 1;
  const padded = cost.map((row, i) => {
    const out = new Array<number>(m + n);
    for (let j = 0; j < m; j++) out[j] = Number.isFinite(row[j]) && row[j] <= maxCost ? row[j] : forbidden;
    for (let k = 0; k < n; k++) out[m + k] = k === i ? maxCost : forbidden;
    return out;
  });
  const colOfRow = n > 0 ? solveRowsLeCols(padded, n, m + n) : new Int32Array(0);
  const matches: [number, number][] = [];
  const colUsed = new Uint8Array(m);
  const unmatchedRows: number[] = [];
  colOfRow.forEach((col, row) => {
    if (col >= 0 && col < m) {
      matches.push([row, col]);
      colUsed[col] = 1;
    } else {
      unmatchedRows.push(row);
    }
  });
  const unmatchedCols: number[] = [];
  for (let j = 0; j < m; j++) if (!colUsed[j]) unmatchedCols.push(j);
  return { matches, unmatchedRows, unmatchedCols };
}

/**
 * The largest number of allowed pairs (finite cost), and among those the cheapest: what CLEAR-MOT matching asks for.
 * Costs must be ≥ 0.
 */
export function maxMatchingMinCost(cost: readonly (readonly number[])[]): AssignmentResult {
  let maxFinite = 0;
  for (const row of cost) {
    for (const c of row) {
      if (c < 0) throw new Error(`maxMatchingMinCost needs costs ≥ 0, got ${c}`);
      if (Number.isFinite(c)) maxFinite = Math.max(maxFinite, c);
    }
  }
  const pairs = Math.min(cost.length, cost.length > 0 ? cost[0].length : 0);
  // One more match saves the whole limit, more than any re-shuffle of the others can cost.
  return assignWithLimit(cost, (maxFinite + 1) * (pairs + 1));
}
