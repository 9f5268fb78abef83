// How a claim prints its numbers: with a true minus sign, and either a fixed number of decimals
// (when the caller knows the scale) or four significant digits with trailing zeros dropped.

/** "−1.008", "0.0042", "1.2e+4" → "12000": a measured number for a claim's line. */
export function formatMeasured(x: number, digits?: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  let s: string;
  if (digits !== undefined) s = x.toFixed(digits);
  else if (x !== 0 && Math.abs(x) >= 1e4) s = String(Math.round(x));
  else if (x !== 0 && Math.abs(x) < 1e-4) s = x.toExponential(2);
  else s = String(Number(x.toPrecision(4)));
  return s.replace(/^-/, "−");
}
