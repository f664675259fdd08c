/**
 * Fixed-point integer helpers. Every score in the calculator is a bigint scaled by SCORE_SCALE
 * (1.0 = 1e18) so results never depend on floating-point rounding and match across machines.
 */
export const SCORE_SCALE = 10n ** 18n;
export const BPS = 10_000n;

/** floor(sqrt(n)) for n >= 0, by Newton's method on bigints. */
export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new RangeError("isqrt of a negative number");
  if (n < 2n) return n;
  // Start above the root (2^ceil(bits/2) >= sqrt(n)) so the iteration decreases monotonically.
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/**
 * x up to 1.0, √x above (SCORE_SCALE fixed point): concave, never more than x, and continuous at
 * 1.0 so a cluster of one small identity is not inflated by the square root of a fraction.
 */
export function sublinear(x: bigint): bigint {
  return x <= SCORE_SCALE ? x : isqrt(x * SCORE_SCALE);
}

/** floor(pool × weight / totalWeight); 0 when there is no weight. Leftovers of floors are carried. */
export function proRata(pool: bigint, weight: bigint, totalWeight: bigint): bigint {
  if (totalWeight <= 0n) return 0n;
  return (pool * weight) / totalWeight;
}

export function minBigint(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
