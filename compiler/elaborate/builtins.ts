// Every built-in callable by name, and the built-in names that read the run's mode.
import type { Builtin } from './builtin.js';
import { DISTRIBUTIONS } from './distributions.js';
import { FUNCTIONS } from './functions.js';
import { LAYERS } from './layers.js';

export const BUILTINS: Record<string, Builtin> = { ...LAYERS, ...FUNCTIONS, ...DISTRIBUTIONS };

/**
 * `sampling`: true while the sample graph is elaborated (prior samples instead of the posterior).
 * `temperature`, `beta`: scalars the runtime sets per call (sampling temperature, KL weight).
 */
export const BUILTIN_NAMES = ['sampling', 'temperature', 'beta'] as const;

export const INPUT_KINDS: Record<string, number> = { image: 3, vector: 1 };
