// Prints the data of the scikit-learn cross-check as JSON, for scripts/sklearn-reference.py.
import { DIM, referenceData, SIZES } from '../test/runtime/metrics/reference-data.js';

const d = referenceData();
const plain = (o: { x: Float64Array; y: Int32Array }) => ({ x: Array.from(o.x), y: Array.from(o.y) });
process.stdout.write(JSON.stringify({ sizes: SIZES, dim: DIM, train: plain(d.train), test: plain(d.test), betaTrain: plain(d.betaTrain), betaTest: plain(d.betaTest) }));
