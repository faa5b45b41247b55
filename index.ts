// Package root (`tfjs-semifield`): check tfjs-core, register the fused kernels of every backend,
// then expose the core API (src/index.ts). Needs @tensorflow/tfjs-core only: registration uses no
// backend package at run time (kernels only use the backend object tfjs hands them), and layers /
// primitives live behind `tfjs-semifield/layers` / `tfjs-semifield/primitives`. An app for one
// backend imports `tfjs-semifield/cpu`, `/webgl` or `/webgpu` instead, so that its bundle carries
// only that backend's kernels.
import './src/tfjs_core_guard.js';
import './src/layer_hints.js';
import './kernels/cpu/register.js';
import './kernels/webgl/register.js';
import './kernels/webgpu/register.js';

export * from './src/index.js';
