// The clamps and thresholds of the data likelihoods, shared by the CPU kernels, the WGSL
// generators and the PyTorch export (which must agree to the last bit on where they switch).

/** DML: x beyond ±DML_EDGE is the first / last bin (the CDF's open tail). */
export const DML_EDGE = 0.999;
/** DML log-scales are clamped from below (the authors' −7). */
export const DML_MIN_LOG_SCALE = -7;
/** DML: a bin whose CDF difference exceeds this takes its log; below, the density at the centre. */
export const DML_MIN_DELTA = 1e-5;
/** Floor under a CDF difference before its log. */
export const LOG_FLOOR = 1e-12;
/** The DML mode (each pixel's most probable component's mean) is clamped to the data range. */
export const DML_MODE_LO = -1;
export const DML_MODE_HI = 1;
/** DL means are clamped half a bin inside [−0.5, 0.5]. */
export const DL_MEAN_LO = -0.5 + 1 / 512;
export const DL_MEAN_HI = 0.5 - 1 / 512;
/** Added to a DL bin's probability before its log. */
export const DL_EPS = 1e-7;
