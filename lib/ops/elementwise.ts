/** Ops of the elementwise group, re-exported from their primitive files. */
export {};
