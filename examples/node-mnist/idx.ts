/*
 * IDX files (the format of MNIST, Fashion-MNIST, K-MNIST): a big-endian header — two zero bytes, a
 * type code, the number of dimensions — then one uint32 per dimension and the values row-major.
 * Read plain or gzip-compressed (Debian's dataset-fashion-mnist ships `*-ubyte.gz`), with Node's
 * zlib: nothing is downloaded, the files are given by path.
 *
 * Example / data code, not part of the package: the examples and the pooling study use it.
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {gunzipSync, gzipSync} from 'node:zlib';

/** IDX type codes and the typed arrays holding them (multi-byte values are big-endian in the file). */
const idxTypes = {
  0x08: {name: 'uint8', bytes: 1},
  0x09: {name: 'int8', bytes: 1},
  0x0b: {name: 'int16', bytes: 2},
  0x0c: {name: 'int32', bytes: 4},
  0x0d: {name: 'float32', bytes: 4},
  0x0e: {name: 'float64', bytes: 8},
} as const;
type IdxTypeCode = keyof typeof idxTypes;
export type IdxDtype = (typeof idxTypes)[IdxTypeCode]['name'];

export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  /** Values row-major; uint8 files (all of MNIST-like data) stay a Uint8Array, no copy per value. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** Parse IDX bytes; gzip is recognised by its magic bytes (1f 8b), whatever the file is called. */
export function parseIdx(bytes: Uint8Array, what = 'IDX data'): IdxArray {
  const raw = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) {
    throw new Error(
      `${what}: not an IDX file (expected the magic 00 00 <type> <dims>, but got ${Array.from(raw.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')})`,
    );
  }
  const code = raw[2] as IdxTypeCode;
  const type = idxTypes[code];
  if (type == null) throw new Error(`${what}: unknown IDX type code 0x${raw[2].toString(16)}`);
  const rank = raw[3];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const headerBytes = 4 + 4 * rank;
  if (raw.length < headerBytes)
    throw new Error(
      `${what}: truncated header (${rank} dimensions need ${headerBytes} bytes, the data has ${raw.length})`,
    );
  const shape = Array.from({length: rank}, (_, d) => view.getUint32(4 + 4 * d, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.bytes;
  if (raw.length !== expected) {
    throw new Error(
      `${what}: shape [${shape.join(', ')}] of ${type.name} needs ${expected} bytes, but the data has ${raw.length}`,
    );
  }
  let data: IdxArray['data'];
  switch (type.name) {
    case 'uint8':
      data = raw.slice(headerBytes);
      break;
    case 'int8':
      data = new Int8Array(raw.slice(headerBytes).buffer);
      break;
    default: {
      // Multi-byte values are big-endian: read them one by one rather than reinterpret the bytes.
      const ctor = {int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array}[type.name];
      const read = {
        int16: (o: number) => view.getInt16(o, false),
        int32: (o: number) => view.getInt32(o, false),
        float32: (o: number) => view.getFloat32(o, false),
        float64: (o: number) => view.getFloat64(o, false),
      }[type.name];
      const out = new ctor(count);
      for (let i = 0; i < count; i++) out[i] = read(headerBytes + i * type.bytes);
      data = out;
    }
  }
  return {dtype: type.name, shape, data};
}

/** Serialise to IDX (gzip-compressed when `gzip`), the inverse of parseIdx: tests write small files with it. */
export function encodeIdx(array: IdxArray, gzip = true): Uint8Array {
  const entry = Object.entries(idxTypes).find(([, t]) => t.name === array.dtype);
  if (entry == null) throw new Error(`encodeIdx: unknown dtype '${array.dtype}'`);
  const [code, type] = [Number(entry[0]), entry[1]];
  const count = array.shape.reduce((a, b) => a * b, 1);
  if (array.data.length !== count)
    throw new Error(
      `encodeIdx: shape [${array.shape.join(', ')}] holds ${count} values, but the data has ${array.data.length}`,
    );
  const headerBytes = 4 + 4 * array.shape.length;
  const out = new Uint8Array(headerBytes + count * type.bytes);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = array.shape.length;
  array.shape.forEach((n, d) => view.setUint32(4 + 4 * d, n, false));
  for (let i = 0; i < count; i++) {
    const o = headerBytes + i * type.bytes;
    const v = array.data[i];
    switch (array.dtype) {
      case 'uint8':
        view.setUint8(o, v);
        break;
      case 'int8':
        view.setInt8(o, v);
        break;
      case 'int16':
        view.setInt16(o, v, false);
        break;
      case 'int32':
        view.setInt32(o, v, false);
        break;
      case 'float32':
        view.setFloat32(o, v, false);
        break;
      case 'float64':
        view.setFloat64(o, v, false);
        break;
    }
  }
  return gzip ? new Uint8Array(gzipSync(out)) : out;
}

export function readIdxFile(path: string): IdxArray {
  return parseIdx(new Uint8Array(readFileSync(path)), path);
}

export function writeIdxFile(path: string, array: IdxArray): void {
  writeFileSync(path, encodeIdx(array, path.endsWith('.gz')));
}

/** Where Debian's `dataset-fashion-mnist` package puts the four files. */
export const debianFashionMnistDir = '/usr/share/datasets/fashion-mnist';

/** The four files of an MNIST-layout data set (MNIST, Fashion-MNIST, K-MNIST share the names). */
export const idxFileNames = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** An MNIST-layout split as raw bytes: 28×28 uint8 images, uint8 class labels. */
export interface IdxImageSet {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

/** `<dir>/<name>.gz` if present, else `<dir>/<name>`; the error lists both when neither exists. */
function findIdx(dir: string, name: string): string {
  for (const candidate of [join(dir, `${name}.gz`), join(dir, name)]) if (existsSync(candidate)) return candidate;
  throw new Error(
    `--data-dir ${dir}: neither ${name}.gz nor ${name} found (Fashion-MNIST: \`apt-get install dataset-fashion-mnist\` puts the files in ${debianFashionMnistDir})`,
  );
}

/** Read one part ('train' or 't10k') of an MNIST-layout folder and check images and labels agree. */
export function readIdxImageSet(dir: string, part: 'train' | 'test'): IdxImageSet {
  const imagesPath = findIdx(dir, part === 'train' ? idxFileNames.trainImages : idxFileNames.testImages);
  const labelsPath = findIdx(dir, part === 'train' ? idxFileNames.trainLabels : idxFileNames.testLabels);
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  if (images.dtype !== 'uint8' || images.shape.length !== 3)
    throw new Error(
      `${imagesPath}: expected uint8 images [n, h, w], but got ${images.dtype} [${images.shape.join(', ')}]`,
    );
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1)
    throw new Error(`${labelsPath}: expected uint8 labels [n], but got ${labels.dtype} [${labels.shape.join(', ')}]`);
  if (labels.shape[0] !== images.shape[0])
    throw new Error(`${dir}: ${images.shape[0]} ${part} images but ${labels.shape[0]} labels`);
  return {
    images: images.data as Uint8Array,
    labels: labels.data as Uint8Array,
    count: images.shape[0],
    height: images.shape[1],
    width: images.shape[2],
  };
}
