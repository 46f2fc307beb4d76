/** Ops of the linalg group, re-exported from their primitive files. */
export {};
