// Grayscale measurements on a region of interest: histogram, Otsu's threshold and connected
// components (blobs), on the raw 8-bit buffer. Pure functions: no sharp, no I/O.

export type RoiShape = "rect" | "ellipse";

/** One row of the region per entry: pixels [start, end) are inside it. */
export interface RowSpans {
  width: number;
  height: number;
  start: Int32Array;
  end: Int32Array;
}

/** A rectangle is every pixel; an ellipse is the one inscribed in the rectangle (a round part). */
export function rowSpans(width: number, height: number, shape: RoiShape): RowSpans {
  const start = new Int32Array(height);
  const end = new Int32Array(height).fill(width);
  if (shape === "ellipse") {
    const rx = width / 2;
    const ry = height / 2;
    for (let y = 0; y < height; y++) {
      const dy = (y + 0.5 - ry) / ry;
      const half = dy * dy >= 1 ? 0 : rx * Math.sqrt(1 - dy * dy);
      start[y] = Math.max(0, Math.ceil(rx - half - 0.5));
      end[y] = Math.min(width, Math.floor(rx + half - 0.5) + 1);
      if (end[y]! < start[y]!) end[y] = start[y]!;
    }
  }
  return { width, height, start, end };
}

export function histogram(pixels: Uint8Array, spans: RowSpans): Uint32Array {
  const counts = new Uint32Array(256);
  const { width, height, start, end } = spans;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let i = row + start[y]!, stop = row + end[y]!; i < stop; i++) counts[pixels[i]!]!++;
  }
  return counts;
}

export interface IntensityStats {
  pixels: number;
  mean: number;
  min: number;
  max: number;
}

export function intensityStats(counts: Uint32Array): IntensityStats {
  let pixels = 0;
  let sum = 0;
  let min = -1;
  let max = -1;
  for (let v = 0; v < 256; v++) {
    const n = counts[v]!;
    if (n === 0) continue;
    if (min < 0) min = v;
    max = v;
    pixels += n;
    sum += n * v;
  }
  return { pixels, mean: pixels === 0 ? 0 : sum / pixels, min: Math.max(0, min), max: Math.max(0, max) };
}

/**
 * Otsu's method: the level that best splits the histogram into two classes (largest
 * between-class variance). Returns the first level of the upper class: dark is `< level`.
 */
export function otsuLevel(counts: Uint32Array): number {
  let total = 0;
  let sumAll = 0;
  for (let v = 0; v < 256; v++) {
    total += counts[v]!;
    sumAll += v * counts[v]!;
  }
  let weightLow = 0;
  let sumLow = 0;
  let best = -1;
  let level = 128;
  for (let v = 0; v < 255; v++) {
    weightLow += counts[v]!;
    if (weightLow === 0) continue;
    const weightHigh = total - weightLow;
    if (weightHigh === 0) break;
    sumLow += v * counts[v]!;
    const meanLow = sumLow / weightLow;
    const meanHigh = (sumAll - sumLow) / weightHigh;
    const between = weightLow * weightHigh * (meanLow - meanHigh) ** 2;
    if (between > best) {
      best = between;
      level = v + 1;
    }
  }
  return level;
}

export interface Blob {
  area: number;
  /** Bounding box in region coordinates. */
  x: number;
  y: number;
  w: number;
  h: number;
  /** Centre of mass in region coordinates. */
  cx: number;
  cy: number;
}

/** 1 where a level is foreground: below `level` for dark defects, at or above it for bright ones. */
export function foregroundTable(level: number, polarity: "dark" | "bright"): Uint8Array {
  const table = new Uint8Array(256);
  for (let v = 0; v < 256; v++) table[v] = (polarity === "dark" ? v < level : v >= level) ? 1 : 0;
  return table;
}

/** Runs of foreground pixels, row by row: the first pass's output. Grows as needed. */
class Runs {
  count = 0;
  start = new Int32Array(4096);
  end = new Int32Array(4096);
  row = new Int32Array(4096);
  label = new Int32Array(4096);

  add(start: number, end: number, row: number, label: number): void {
    if (this.count === this.start.length) this.grow();
    const i = this.count++;
    this.start[i] = start;
    this.end[i] = end;
    this.row[i] = row;
    this.label[i] = label;
  }

  private grow(): void {
    const size = this.start.length * 2;
    for (const key of ["start", "end", "row", "label"] as const) {
      const grown = new Int32Array(size);
      grown.set(this[key]);
      this[key] = grown;
    }
  }
}

/**
 * Connected components (8-neighbourhood) of the foreground by two-pass labelling on runs: the
 * first pass cuts each row into runs of foreground pixels, gives each run a provisional label
 * and records with union-find which labels touch (a run touches the runs of the row above that
 * overlap it or meet it at a corner); the second pass resolves the labels and sums area, box and
 * centre per component over the runs, not the pixels. Only the threshold test visits every
 * pixel, so large blobs cost no more than small ones. Blobs smaller than `minArea` are noise and
 * left out. Largest first.
 */
export function findBlobs(pixels: Uint8Array, spans: RowSpans, foreground: Uint8Array, minArea = 1): Blob[] {
  const { width, height, start, end } = spans;
  const runs = new Runs();
  let parent = new Int32Array(1024);
  let labels = 0;

  const find = (label: number): number => {
    let root = label;
    while (parent[root] !== root) root = parent[root]!;
    while (parent[label] !== root) {
      const up = parent[label]!;
      parent[label] = root;
      label = up;
    }
    return root;
  };

  let aboveFirst = 0;
  let aboveEnd = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const rowFirst = runs.count;
    let k = aboveFirst;
    const stop = end[y]!;
    let x = start[y]!;
    while (x < stop) {
      while (x < stop && foreground[pixels[row + x]!] === 0) x++;
      if (x === stop) break;
      const runStart = x;
      while (x < stop && foreground[pixels[row + x]!] !== 0) x++;
      const runEnd = x; // exclusive
      // Runs above that end before this one's left corner can touch no later run either.
      while (k < aboveEnd && runs.end[k]! < runStart) k++;
      let label = 0;
      for (let j = k; j < aboveEnd && runs.start[j]! <= runEnd; j++) {
        const other = find(runs.label[j]!);
        if (label === 0) label = other;
        else if (other !== label) {
          if (other < label) {
            parent[label] = other;
            label = other;
          } else parent[other] = label;
        }
      }
      if (label === 0) {
        label = ++labels;
        if (label >= parent.length) {
          const grown = new Int32Array(parent.length * 2);
          grown.set(parent);
          parent = grown;
        }
        parent[label] = label;
      }
      runs.add(runStart, runEnd, y, label);
    }
    aboveFirst = rowFirst;
    aboveEnd = runs.count;
  }
  if (labels === 0) return [];

  const component = new Int32Array(labels + 1);
  let components = 0;
  for (let label = 1; label <= labels; label++) {
    const root = find(label);
    component[label] = root === label ? ++components : component[root]!;
  }
  const area = new Float64Array(components + 1);
  const sumX = new Float64Array(components + 1);
  const sumY = new Float64Array(components + 1);
  const minX = new Int32Array(components + 1).fill(width);
  const minY = new Int32Array(components + 1).fill(height);
  const maxX = new Int32Array(components + 1).fill(-1);
  const maxY = new Int32Array(components + 1).fill(-1);
  for (let i = 0; i < runs.count; i++) {
    const c = component[find(runs.label[i]!)]!;
    const s = runs.start[i]!;
    const e = runs.end[i]!;
    const y = runs.row[i]!;
    const n = e - s;
    area[c]! += n;
    sumX[c]! += ((s + e - 1) * n) / 2;
    sumY[c]! += y * n;
    if (s < minX[c]!) minX[c] = s;
    if (e - 1 > maxX[c]!) maxX[c] = e - 1;
    if (y < minY[c]!) minY[c] = y;
    if (y > maxY[c]!) maxY[c] = y;
  }
  const blobs: Blob[] = [];
  for (let c = 1; c <= components; c++) {
    const a = area[c]!;
    if (a < minArea) continue;
    blobs.push({
      area: a, x: minX[c]!, y: minY[c]!, w: maxX[c]! - minX[c]! + 1, h: maxY[c]! - minY[c]! + 1,
      cx: round1(sumX[c]! / a), cy: round1(sumY[c]! / a),
    });
  }
  return blobs.sort((a, b) => b.area - a.area);
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
