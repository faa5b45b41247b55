// Package entry: register the fused kernels of every backend, then expose the public API.
import './kernels/cpu/register.js';

export * from './src/index.js';
