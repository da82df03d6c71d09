// `sdn export --to pytorch`: the files of a standalone PyTorch project for one elaborated model.
import { isScalarInput, numel, type IrGraph } from '../../runtime/ir.js';
import { recipeForGraph } from '../../runtime/train/trainer.js';
import { CONVERT_PY } from './convert-py.js';
import { DATA_PY } from './data-py.js';
import { allParams, renderModelPy } from './model-py.js';
import { renderReadme } from './readme-md.js';
import { renderTrainPy } from './train-py.js';

export interface ExportOptions {
  model: string;
  sourcePath: string;
  sets: Record<string, string>;
  elbo: IrGraph;
  sample: IrGraph;
}

/** The --data a model's images suggest: Fashion-MNIST for 1×28×28, else a folder the user names. */
function defaultData(elbo: IrGraph): string {
  const shape = elbo.inputs[0]?.shape.join('x');
  return shape === '1x28x28' ? 'fashion-mnist' : shape === '3x32x32' ? 'cifar10:DIR' : 'png:DIR';
}

/** File name → contents. */
export function exportPytorch(o: ExportOptions): Record<string, string> {
  const usesBeta = o.elbo.nodes.some((n) => isScalarInput(n) && n.attrs.name === 'beta');
  const data = defaultData(o.elbo);
  const params = allParams(o.elbo, o.sample).reduce((s, p) => s + numel(p.shape), 0);
  return {
    'model.py': renderModelPy(o),
    'train.py': renderTrainPy({ model: o.model, recipe: recipeForGraph(o.elbo), usesBeta, data }),
    'data.py': DATA_PY,
    'convert.py': CONVERT_PY,
    'README.md': renderReadme({ model: o.model, sourcePath: o.sourcePath, sets: o.sets, data, params }),
  };
}
