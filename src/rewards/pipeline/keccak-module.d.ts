// The keccak package ships no types; this is the part of its API the pipeline uses.
declare module "keccak" {
  type KeccakHash = { update(data: Buffer): KeccakHash; digest(encoding: "hex"): string };
  export default function createKeccakHash(algorithm: "keccak256"): KeccakHash;
}
