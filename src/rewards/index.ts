/** Kho rewards: the pure calculator core, and the epoch pipeline over public data (publishing and claiming are SDK actions). */
export * from "./core";
export * from "./pipeline";
