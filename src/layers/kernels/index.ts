import type {Initializer} from '../layer_args.js';
import {AnisotropicQuadraticKernel} from './anisotropic_quadratic_kernel.js';
import {FreeKernel} from './free_kernel.js';
import {IsotropicQuadraticKernel} from './isotropic_quadratic_kernel.js';
import type {StructuringFunctionConfig, StructuringFunctionConfigObject, SemifieldKernelModule} from './types.js';
import {describeJson} from '../../ops/describe.js';

export {AnisotropicQuadraticKernel} from './anisotropic_quadratic_kernel.js';
export {FreeKernel} from './free_kernel.js';
export {IsotropicQuadraticKernel} from './isotropic_quadratic_kernel.js';
export type {
  AddWeight,
  AnisotropicKernelConfig,
  FreeKernelConfig,
  IsotropicKernelConfig,
  StructuringFunctionConfig,
  StructuringFunctionConfigObject,
  SemifieldKernelModule,
} from './types.js';

const kernelTypes = ['free', 'isotropic', 'anisotropic'];

/**
 * Build the kernel module for a `kernel` argument ('free' | 'isotropic' | 'anisotropic' or the
 * config object). `defaultFreeInitializer` is what a free kernel starts from when its config
 * names no initializer (the host chooses it from its semifield and the fan-in).
 *
 * @example
 * import {initializers} from '@tensorflow/tfjs-layers';
 * const module = createKernelModule({type: 'isotropic', scaleRange: [0.5, 2]}, 'kernel', () => initializers.zeros());
 * module.type; // 'isotropic'
 */
export function createKernelModule(
  config: StructuringFunctionConfig,
  argName: string,
  defaultFreeInitializer: (fanIn: number) => Initializer,
): SemifieldKernelModule {
  const object: StructuringFunctionConfigObject | undefined =
    typeof config === 'string'
      ? kernelTypes.includes(config)
        ? ({type: config} as StructuringFunctionConfigObject)
        : undefined
      : config != null && typeof config === 'object' && !Array.isArray(config)
        ? config
        : undefined;
  const allowed: Record<string, string[]> = {
    free: ['type', 'initializer'],
    isotropic: ['type', 'init', 'scaleRange'],
    anisotropic: ['type', 'init', 'axisScales'],
  };
  if (object == null || !kernelTypes.includes(object.type)) {
    throw new Error(
      `${argName}: expected 'free', 'isotropic', 'anisotropic' or an object {type, ...}, but got ${describeJson(config)}`,
    );
  }
  for (const key of Object.keys(object)) {
    if (!allowed[object.type].includes(key)) {
      throw new Error(
        `${argName}: kernel type '${object.type}' takes ${allowed[object.type].join(', ')}, but got '${key}'`,
      );
    }
  }
  switch (object.type) {
    case 'free':
      return new FreeKernel(object, argName, defaultFreeInitializer);
    case 'isotropic':
      return new IsotropicQuadraticKernel(object, argName);
    case 'anisotropic':
      return new AnisotropicQuadraticKernel(object, argName);
  }
}
