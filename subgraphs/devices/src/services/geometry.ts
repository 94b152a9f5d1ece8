export interface Point {
  x: number;
  y: number;
}

/** Ray casting: whether `p` lies inside the polygon (points on an edge count as inside or not, arbitrarily). */
export function pointInPolygon(p: Point, polygon: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const a = polygon[i]!;
    const b = polygon[j]!;
    if (a.y > p.y !== b.y > p.y && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

const cross = (o: Point, a: Point, b: Point) => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);

function segmentsCross(p1: Point, p2: Point, q1: Point, q2: Point): boolean {
  const d1 = cross(q1, q2, p1);
  const d2 = cross(q1, q2, p2);
  const d3 = cross(p1, p2, q1);
  const d4 = cross(p1, p2, q2);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

/** Why a polygon is not a usable zone, or null when it is: 3+ points in the frame, no crossing edges, some area. */
export function polygonProblem(points: readonly Point[]): string | null {
  if (points.length < 3) return 'needs at least 3 points';
  if (points.length > 64) return 'has more than 64 points';
  if (points.some((p) => !(p.x >= 0 && p.x <= 1 && p.y >= 0 && p.y <= 1)))
    return 'has a point outside the frame (x and y must be within 0..1)';
  const n = points.length;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      // Adjacent edges share a point and cannot cross.
      if (j === i + 1 || (i === 0 && j === n - 1)) continue;
      if (segmentsCross(points[i]!, points[(i + 1) % n]!, points[j]!, points[(j + 1) % n]!)) return 'has edges that cross each other';
    }
  }
  const area = Math.abs(points.reduce((sum, p, i) => sum + (p.x * points[(i + 1) % n]!.y - points[(i + 1) % n]!.x * p.y), 0)) / 2;
  if (area < 1e-6) return 'encloses no area';
  return null;
}
