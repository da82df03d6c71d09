// The five disentanglement scores of a representation over a full factor grid, each with
// disentanglement_lib's default sizes and its own seeded generator. Browser-safe.
import { betaVaeMetric, BETA_VAE_DEFAULTS, type BetaVaeOptions } from './beta-vae.js';
import { dciMetric, DCI_DEFAULTS, type DciOptions } from './dci.js';
import { factorVaeMetric, FACTOR_VAE_DEFAULTS, type FactorVaeOptions } from './factor-vae.js';
import { checkFactorCodes, type FactorCodes } from './grid.js';
import { migMetric, MIG_DEFAULTS, type MigOptions } from './mig.js';
import { sapMetric, SAP_DEFAULTS, type SapOptions } from './sap.js';

export { type FactorCodes, MetricsError } from './grid.js';

export interface DisentanglementScores {
  beta_vae: number;
  factor_vae: number;
  mig: number;
  dci: { disentanglement: number; completeness: number; informativeness: number };
  sap: number;
  /** Training accuracies and FactorVAE's active dimensions, for diagnosis. */
  details: { beta_vae_train: number; factor_vae_train: number; factor_vae_active_dims: number; dci_informativeness_train: number };
}

export interface MetricSizes {
  betaVae: BetaVaeOptions;
  factorVae: FactorVaeOptions;
  mig: MigOptions;
  dci: DciOptions;
  sap: SapOptions;
}

export const METRIC_DEFAULTS: MetricSizes = { betaVae: BETA_VAE_DEFAULTS, factorVae: FACTOR_VAE_DEFAULTS, mig: MIG_DEFAULTS, dci: DCI_DEFAULTS, sap: SAP_DEFAULTS };

export function disentanglementScores(fc: FactorCodes, seed = 0, sizes: MetricSizes = METRIC_DEFAULTS, onMetric?: (name: string) => void): DisentanglementScores {
  checkFactorCodes(fc);
  onMetric?.('beta_vae');
  const beta = betaVaeMetric(fc, seed, sizes.betaVae);
  onMetric?.('factor_vae');
  const factor = factorVaeMetric(fc, seed, sizes.factorVae);
  onMetric?.('mig');
  const mig = migMetric(fc, seed, sizes.mig);
  onMetric?.('dci');
  const dci = dciMetric(fc, seed, sizes.dci);
  onMetric?.('sap');
  const sap = sapMetric(fc, seed, sizes.sap);
  return {
    beta_vae: beta.eval, factor_vae: factor.eval, mig,
    dci: { disentanglement: dci.disentanglement, completeness: dci.completeness, informativeness: dci.informativeness },
    sap,
    details: { beta_vae_train: beta.train, factor_vae_train: factor.train, factor_vae_active_dims: factor.activeDims, dci_informativeness_train: dci.informativenessTrain },
  };
}
