// Side effect only (imported by the package root and the per-backend entries): registers, for each
// serializable class of tfjs-semifield not registered yet, a stand-in whose fromConfig throws an
// Error pointing at the import that registers the real class. So tf.loadLayersModel on a model
// with a SemifieldConv2D layer, after `import 'tfjs-semifield'` but without
// `import 'tfjs-semifield/layers'`, says what to import instead of tfjs's bare
// "Unknown layer: SemifieldConv2D". Importing the real classes (before or after) replaces these.
import * as tf from '@tensorflow/tfjs-core';

const classes: Array<[className: string, entry: string]> = [
  ['SemifieldConv2D', 'tfjs-semifield/layers'],
  ['SemifieldPooling2D', 'tfjs-semifield/layers'],
  ['MorphologicalOpening2D', 'tfjs-semifield/layers'],
  ['MorphologicalClosing2D', 'tfjs-semifield/layers'],
  ['MorphologicalTopHat2D', 'tfjs-semifield/layers'],
  ['LowRankDense', 'tfjs-semifield/primitives'],
];

for (const [className, entry] of classes) {
  if (tf.serialization.SerializationMap.getMap().classNameMap[className] != null) continue;
  class NotImported extends tf.serialization.Serializable {
    static className = className;
    override getClassName(): string {
      return className;
    }
    getConfig(): tf.serialization.ConfigDict {
      return {};
    }
    static override fromConfig(): never {
      throw new Error(
        `The model uses the layer class ${className} of tfjs-semifield, which is registered by importing ` +
          `'${entry}': add \`import '${entry}';\` (or require('${entry}')) before tf.loadLayersModel.`,
      );
    }
  }
  tf.serialization.registerClass(NotImported);
}
