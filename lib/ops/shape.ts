/** Ops of the shape group, re-exported from their primitive files. */
export {};
