// Sample grids: N images in NCHW layout tiled into one interleaved (HWC) image, as torchvision's
// make_grid lays them out (padding around every tile, pad value 0). Browser-safe.

export interface ImageGrid {
  /** Row-major, interleaved: height × width × channels bytes. */
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/**
 * Tiles `n` images of `c`×`h`×`w` (NCHW uint8) into rows of `cols` tiles (fewer when n < cols),
 * in reading order, with `padding` black pixels between tiles and around the border.
 */
export function imageGrid(
  images: Uint8Array,
  n: number,
  c: number,
  h: number,
  w: number,
  cols: number,
  padding = 2,
): ImageGrid {
  if (!(n >= 1 && h >= 1 && w >= 1 && cols >= 1 && padding >= 0)) {
    throw new Error(`imageGrid: bad arguments n=${n} h=${h} w=${w} cols=${cols} padding=${padding}`);
  }
  if (c !== 1 && c !== 3) throw new Error(`imageGrid: ${c} channels, expected 1 (gray) or 3 (RGB)`);
  if (images.length < n * c * h * w) {
    throw new Error(`imageGrid: ${images.length} bytes, expected at least ${n}×${c}×${h}×${w} = ${n * c * h * w}`);
  }
  const gridCols = Math.min(cols, n);
  const gridRows = Math.ceil(n / gridCols);
  const width = gridCols * (w + padding) + padding;
  const height = gridRows * (h + padding) + padding;
  const pixels = new Uint8Array(width * height * c);
  const plane = h * w;
  for (let k = 0; k < n; k++) {
    const x0 = padding + (k % gridCols) * (w + padding);
    const y0 = padding + Math.floor(k / gridCols) * (h + padding);
    const img = k * c * plane;
    for (let y = 0; y < h; y++) {
      const rowStart = ((y0 + y) * width + x0) * c;
      for (let x = 0; x < w; x++) {
        for (let ch = 0; ch < c; ch++) pixels[rowStart + x * c + ch] = images[img + ch * plane + y * w + x]!;
      }
    }
  }
  return { pixels, width, height, channels: c };
}
