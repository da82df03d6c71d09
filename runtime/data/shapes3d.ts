// A procedural stand-in for 3D Shapes (Burgess & Kim, 2018) with the real dataset's factor grid
// and index order: floor hue, wall hue, object hue (10 each), scale (8), shape (4: cube, cylinder,
// sphere, capsule) and orientation (15), index mixed-radix with orientation fastest, as in
// 3dshapes.h5. Each image is ray cast per pixel: a floor, a back wall, and an object resting on
// the floor, lit by one directional light with a hard shadow on the floor. Orientation turns the
// camera around the object (as in the real data, where it changes the view of the room), so it
// changes the image of a sphere too. Deterministic: the same index always gives the same bytes.
// Browser-safe.

export const SHAPES3D_FACTORS = ['floor_hue', 'wall_hue', 'object_hue', 'scale', 'shape', 'orientation'] as const;
export const SHAPES3D_SIZES = [10, 10, 10, 8, 4, 15] as const;
export const SHAPES3D_COUNT = SHAPES3D_SIZES.reduce((a, b) => a * b, 1);
export const SHAPES3D_SHAPES = ['cube', 'cylinder', 'sphere', 'capsule'] as const;

/** The real dataset's label value of each factor index (hues in [0, 0.9], scale 0.75…1.25, degrees −30…30). */
export function factorValue(factor: number, index: number): number {
  switch (factor) {
    case 0: case 1: case 2: return index / 10;
    case 3: return 0.75 + (0.5 * index) / 7;
    case 4: return index;
    case 5: return -30 + (60 * index) / 14;
  }
  throw new RangeError(`factor ${factor}: 3D Shapes has factors 0..5`);
}

/** Mixed-radix digits of `index` over `sizes`, the last factor varying fastest. */
export function indexToFactors(index: number, sizes: readonly number[] = SHAPES3D_SIZES): number[] {
  const total = sizes.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(index) || index < 0 || index >= total) throw new RangeError(`index ${index} is outside 0..${total - 1}`);
  const out = new Array<number>(sizes.length);
  for (let f = sizes.length - 1; f >= 0; f--) {
    out[f] = index % sizes[f]!;
    index = Math.floor(index / sizes[f]!);
  }
  return out;
}

export function factorsToIndex(factors: readonly number[], sizes: readonly number[] = SHAPES3D_SIZES): number {
  if (factors.length !== sizes.length) throw new RangeError(`${factors.length} factors, expected ${sizes.length}`);
  let index = 0;
  factors.forEach((v, f) => {
    if (!Number.isInteger(v) || v < 0 || v >= sizes[f]!) throw new RangeError(`factor ${f} is ${v}, expected an integer in 0..${sizes[f]! - 1}`);
    index = index * sizes[f]! + v;
  });
  return index;
}

type Vec = [number, number, number];

/** HSV with full saturation and value, as the real dataset's colours. */
function hueToRgb(h: number): Vec {
  const k = (n: number) => (n + h * 6) % 6;
  const f = (n: number) => 1 - Math.max(0, Math.min(k(n), 4 - k(n), 1));
  return [f(5), f(3), f(1)];
}

const LIGHT: Vec = normalize([-0.5, 1, -0.6]);
const WALL_Z = 1.6;
const CAMERA_DISTANCE = 2.6;
const CAMERA_HEIGHT = 1.25;
const LOOK_AT: Vec = [0, 0.6, 0];
const FOCAL = 1.3;

function normalize(v: Vec): Vec {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

interface Hit {
  t: number;
  n: Vec;
}

/** The object in its own frame: centred on the vertical axis, resting on the floor y = 0. */
interface SceneObject {
  shape: number;
  /** Half-width (cube), radius (cylinder, sphere, capsule). */
  r: number;
  /** Half-height of the box or cylinder; half-length of the capsule's segment. */
  h: number;
}

function objectFor(shape: number, scale: number): SceneObject {
  const s = 0.5 * scale;
  switch (shape) {
    case 0: return { shape, r: s * 0.85, h: s * 0.85 };
    case 1: return { shape, r: s * 0.8, h: s * 0.9 };
    case 2: return { shape, r: s, h: s };
    default: return { shape, r: s * 0.6, h: s * 0.55 };
  }
}

function objectCenterY(o: SceneObject): number {
  return o.shape === 3 ? o.h + o.r : o.shape === 2 ? o.r : o.h;
}

function hitSphere(ox: number, oy: number, oz: number, d: Vec, r: number): number {
  const b = ox * d[0] + oy * d[1] + oz * d[2];
  const c = ox * ox + oy * oy + oz * oz - r * r;
  const disc = b * b - c;
  if (disc < 0) return Infinity;
  const t = -b - Math.sqrt(disc);
  return t > 1e-6 ? t : Infinity;
}

/** Ray (origin relative to the object's centre) against the object; Infinity when it misses. */
function hitObject(o: SceneObject, ox: number, oy: number, oz: number, d: Vec): Hit | undefined {
  let best = Infinity;
  let n: Vec = [0, 1, 0];
  if (o.shape === 0) {
    // Slabs of the axis-aligned box.
    let tNear = -Infinity, tFar = Infinity, axis = 0, sign = 1;
    const org = [ox, oy, oz], half = [o.r, o.h, o.r];
    for (let a = 0; a < 3; a++) {
      if (Math.abs(d[a]!) < 1e-12) {
        if (Math.abs(org[a]!) > half[a]!) return undefined;
        continue;
      }
      let t1 = (-half[a]! - org[a]!) / d[a]!, t2 = (half[a]! - org[a]!) / d[a]!;
      let s = -1;
      if (t1 > t2) [t1, t2, s] = [t2, t1, 1];
      if (t1 > tNear) [tNear, axis, sign] = [t1, a, s];
      tFar = Math.min(tFar, t2);
    }
    if (tNear > tFar || tNear <= 1e-6) return undefined;
    n = [0, 0, 0];
    n[axis] = sign;
    return { t: tNear, n };
  }
  if (o.shape === 2) {
    const t = hitSphere(ox, oy, oz, d, o.r);
    return t === Infinity ? undefined : { t, n: normalize([ox + t * d[0], oy + t * d[1], oz + t * d[2]]) };
  }
  // Cylinder and capsule share the vertical side wall; they differ in the caps.
  const a = d[0] * d[0] + d[2] * d[2];
  if (a > 1e-12) {
    const b = ox * d[0] + oz * d[2];
    const c = ox * ox + oz * oz - o.r * o.r;
    const disc = b * b - a * c;
    if (disc >= 0) {
      const t = (-b - Math.sqrt(disc)) / a;
      const y = oy + t * d[1];
      if (t > 1e-6 && Math.abs(y) <= o.h) [best, n] = [t, [(ox + t * d[0]) / o.r, 0, (oz + t * d[2]) / o.r]];
    }
  }
  for (const side of [-1, 1]) {
    if (o.shape === 1) {
      if (Math.abs(d[1]) < 1e-12) continue;
      const t = (side * o.h - oy) / d[1];
      const x = ox + t * d[0], z = oz + t * d[2];
      if (t > 1e-6 && t < best && x * x + z * z <= o.r * o.r) [best, n] = [t, [0, side, 0]];
    } else {
      const cy = oy - side * o.h;
      const t = hitSphere(ox, cy, oz, d, o.r);
      if (t < best && side * (cy + t * d[1]) >= 0) [best, n] = [t, normalize([ox + t * d[0], cy + t * d[1], oz + t * d[2]])];
    }
  }
  return best === Infinity ? undefined : { t: best, n };
}

/**
 * Renders the image of factor indices `factors` (one per SHAPES3D_FACTORS entry) at
 * `size`×`size`, writing 3×size×size bytes (CHW) into `out` at `offset`.
 */
export function renderShapes3d(factors: readonly number[], size: number, out: Uint8Array, offset = 0): void {
  factorsToIndex(factors); // validates
  if (!Number.isInteger(size) || size < 4) throw new RangeError(`image size must be an integer ≥ 4, got ${size}`);
  const floor = hueToRgb(factorValue(0, factors[0]!));
  const wall = hueToRgb(factorValue(1, factors[1]!));
  const color = hueToRgb(factorValue(2, factors[2]!));
  const obj = objectFor(factors[4]!, factorValue(3, factors[3]!));
  const cy = objectCenterY(obj);
  const az = (factorValue(5, factors[5]!) * Math.PI) / 180;
  const eye: Vec = [-Math.sin(az) * CAMERA_DISTANCE, CAMERA_HEIGHT, -Math.cos(az) * CAMERA_DISTANCE];
  const fwd = normalize([LOOK_AT[0] - eye[0], LOOK_AT[1] - eye[1], LOOK_AT[2] - eye[2]]);
  const right = normalize([fwd[2], 0, -fwd[0]]);
  const up: Vec = [fwd[1] * right[2] - fwd[2] * right[1], fwd[2] * right[0] - fwd[0] * right[2], fwd[0] * right[1] - fwd[1] * right[0]];
  const plane = size * size;
  const rgb: Vec = [0, 0, 0];
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const u = ((px + 0.5) / size) * 2 - 1, v = 1 - ((py + 0.5) / size) * 2;
      const d = normalize([
        fwd[0] * FOCAL + right[0] * u + up[0] * v,
        fwd[1] * FOCAL + right[1] * u + up[1] * v,
        fwd[2] * FOCAL + right[2] * u + up[2] * v,
      ]);
      shade(eye, d, obj, cy, floor, wall, color, rgb);
      const k = offset + py * size + px;
      for (let c = 0; c < 3; c++) out[k + c * plane] = Math.round(255 * Math.min(1, Math.max(0, rgb[c]!)));
    }
  }
}

function shade(eye: Vec, d: Vec, obj: SceneObject, cy: number, floor: Vec, wall: Vec, color: Vec, rgb: Vec): void {
  const hit = hitObject(obj, eye[0], eye[1] - cy, eye[2], d);
  const tFloor = d[1] < 0 ? -eye[1] / d[1] : Infinity;
  const tWall = d[2] > 0 ? (WALL_Z - eye[2]) / d[2] : Infinity;
  if (hit && hit.t < tFloor && hit.t < tWall) {
    const lambert = Math.max(0, hit.n[0] * LIGHT[0] + hit.n[1] * LIGHT[1] + hit.n[2] * LIGHT[2]);
    const k = 0.35 + 0.65 * lambert;
    for (let c = 0; c < 3; c++) rgb[c] = color[c]! * k;
    return;
  }
  if (tFloor < tWall) {
    const x = eye[0] + tFloor * d[0], z = eye[2] + tFloor * d[2];
    // Shadow: does the ray from the floor point towards the light meet the object?
    const shadowed = hitObject(obj, x, -cy + 1e-4, z, LIGHT) !== undefined;
    const k = (shadowed ? 0.55 : 0.95) - 0.04 * Math.max(0, z + 1);
    for (let c = 0; c < 3; c++) rgb[c] = floor[c]! * k;
    return;
  }
  // The wall, a little darker towards the floor; beyond it (never seen from this camera) black.
  if (tWall === Infinity) return void rgb.fill(0);
  const y = eye[1] + tWall * d[1];
  const k = 0.7 + 0.2 * Math.min(1, y / 3);
  for (let c = 0; c < 3; c++) rgb[c] = wall[c]! * k;
}

/** Renders the images of `indices` (into the full factor grid) at `size`, NCHW. */
export function renderShapes3dBatch(indices: ArrayLike<number>, size: number): Uint8Array {
  const per = 3 * size * size;
  const out = new Uint8Array(indices.length * per);
  for (let k = 0; k < indices.length; k++) renderShapes3d(indexToFactors(indices[k]!), size, out, k * per);
  return out;
}
