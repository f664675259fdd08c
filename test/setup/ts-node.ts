// Hardhat's config is CommonJS TypeScript: register ts-node before any test loads Hardhat.
import "ts-node/register/transpile-only";
