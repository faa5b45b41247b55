/*
 * Shared helpers of the webgl browser specs. Every spec calls `useWebGL()` in a `before` hook: it
 * makes 'webgl' the active backend or throws — a browser without WebGL fails the suite loudly, it
 * never skips it.
 */
import * as tf from '@tensorflow/tfjs';
import {MathBackendWebGL} from '@tensorflow/tfjs-backend-webgl';
import {semifieldConv2d} from '../../index.js';
import {type ConvCase, upstreamFor} from '../reference/cases.js';

export interface WebGLFlags {
  /** WEBGL_VERSION (default 2). */
  version?: 1 | 2;
  /** Render to half-float textures (WEBGL_FORCE_F16_TEXTURES). */
  f16?: boolean;
  /** WEBGL_PACK (default true, tfjs's default): false selects the scalar programs. */
  pack?: boolean;
}

let current = '';

/**
 * Make a fresh 'webgl' backend with the given flags the active one. Flags such as WEBGL_VERSION are
 * read when the backend is created, so a change of flags re-creates it (our kernels stay registered:
 * tfjs keys kernels by backend name, not by instance).
 */
export async function useWebGL(flags: WebGLFlags = {}): Promise<MathBackendWebGL> {
  const version = flags.version ?? 2;
  const f16 = flags.f16 ?? false;
  const pack = flags.pack ?? true;
  const key = `${version}/${f16}/${pack}`;
  if (current !== key || tf.findBackend('webgl') == null) {
    if (tf.findBackend('webgl') != null) tf.removeBackend('webgl');
    // Many webgl flags (WEBGL_BUFFER_SUPPORTED, WEBGL_DOWNLOAD_FLOAT_ENABLED, …) are derived from
    // WEBGL_VERSION once and cached: re-derive them all.
    tf.env().reset();
    tf.env().set('WEBGL_VERSION', version);
    tf.env().set('WEBGL_FORCE_F16_TEXTURES', f16);
    tf.env().set('WEBGL_RENDER_FLOAT32_ENABLED', !f16);
    // tfjs picks uniform uploads only with float32 rendering; keep its own rule.
    tf.env().set('WEBGL_SIZE_UPLOAD_UNIFORM', f16 ? 0 : 4);
    tf.env().set('WEBGL_PACK', pack);
    tf.registerBackend('webgl', () => new MathBackendWebGL(), 2);
    current = key;
  }
  const ok = await tf.setBackend('webgl');
  if (!ok || tf.getBackend() !== 'webgl') {
    throw new Error(
      `WebGL ${version}${f16 ? ' (half-float textures)' : ''} is unavailable in this browser: tf.setBackend('webgl') failed. ` +
        'The webgl suite needs a WebGL-capable Chromium (headless Chromium renders WebGL on SwiftShader).',
    );
  }
  const backend = tf.backend() as MathBackendWebGL;
  if (tf.env().getNumber('WEBGL_VERSION') !== version) {
    throw new Error(`asked for WebGL ${version} but tfjs runs WebGL ${tf.env().getNumber('WEBGL_VERSION')}`);
  }
  return backend;
}

export function rendererName(backend: MathBackendWebGL): string {
  const gl = backend.gpgpu.gl;
  const dbg = gl.getExtension('WEBGL_debug_renderer_info');
  return String(dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
}

export interface CaseResult {
  y: Float32Array;
  dx: Float32Array;
  dw: Float32Array;
}

/**
 * y, dL/dx and dL/dw of L = Σ r·y for one case of the shared matrix, on the active backend
 * (through the public op, so dispatch and gradient wiring are exercised as users see them).
 * `f16Upstream` rounds the upstream gradient to half floats (for half-float comparisons).
 */
export async function runCase(
  c: ConvCase,
  seed: number,
  implementation: 'auto' | 'composite' = 'auto',
  f16Upstream = false,
): Promise<CaseResult> {
  const x = tf.tensor4d(c.x, c.xShape as [number, number, number, number]);
  const w = tf.tensor4d(c.w, c.wShape as [number, number, number, number]);
  const opts = {...c.options, implementation};
  const f = (xs: tf.Tensor4D, ws: tf.Tensor4D) => semifieldConv2d(xs, ws, c.semifield, opts);
  const y = f(x, w);
  const upstream = upstreamFor(y.size, seed);
  const r = tf.tensor(f16Upstream ? f16Array(upstream) : upstream, y.shape);
  const grads = tf.grads((xs: tf.Tensor, ws: tf.Tensor) => tf.sum(tf.mul(f(xs as tf.Tensor4D, ws as tf.Tensor4D), r)));
  const [dx, dw] = grads([x, w]);
  const out = {
    y: (await y.data()) as Float32Array,
    dx: (await dx.data()) as Float32Array,
    dw: (await dw.data()) as Float32Array,
  };
  tf.dispose([x, w, y, r, dx, dw]);
  return out;
}

/** Run `fn` with `backendName` active, then restore the previous backend. */
export async function onBackend<T>(backendName: string, fn: () => Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  await tf.setBackend(backendName);
  try {
    return await fn();
  } finally {
    await tf.setBackend(previous);
  }
}

/** Round to the nearest half float (what a half-float texture stores). */
export function f16round(v: number): number {
  const native = (Math as unknown as {f16round?: (v: number) => number}).f16round;
  if (native) return native(v);
  if (!Number.isFinite(v) || v === 0) return v;
  const a = Math.abs(v);
  if (a >= 65520) return Math.sign(v) * Infinity;
  const q = Math.pow(2, Math.max(Math.floor(Math.log2(a)), -14) - 10);
  return Math.sign(v) * Math.round(a / q) * q;
}

export function f16Array(values: ArrayLike<number>): Float32Array {
  return Float32Array.from(values, f16round);
}
