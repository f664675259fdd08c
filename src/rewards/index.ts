/** Kho rewards: the pure calculator core, the epoch pipeline over public data, and publishing / claiming. */
export * from "./core";
export * from "./pipeline";
export * from "./publish";
