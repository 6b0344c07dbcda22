/** Predictive pacing: measurement, controller and guard (pure), and a seeded simulator to test them. */
export * from './measurement.js';
export * from './controller.js';
export { expectedShortfall, largestLambda, poissonBinomial } from './abandon-model.js';
export type { DecayedHistogram, Distribution } from './histogram.js';
