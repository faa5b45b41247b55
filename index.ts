// Package entry: register the fused kernels of every backend, then expose the public API.
// Registration needs no backend package at run time: kernels only use the backend object tfjs
// hands them, so importing this in Node without WebGL/WebGPU is fine.
import './kernels/cpu/register.js';
import './kernels/webgl/register.js';
import './kernels/webgpu/register.js';

export * from './src/index.js';
