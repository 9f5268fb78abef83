// train()'s update, run where the gradient already is. The rule is sgd.ts's (plainStepper), with
// train()'s momentum and weight decay, in float64 on θ's own layout:
//
//     g ← ḡ + λ·θ                 (only when λ > 0)
//     v ← μ·v + g;  θ ← θ − η·v    (μ > 0)      or      θ ← θ − η·g   (μ = 0)
//
// Each line is the same IEEE operation, in the same order, as the JavaScript loops of sgd.ts, so
// both paths give bit-for-bit the same θ (a test holds them to it). ḡ may be the engine's float32
// gradient rows (widened exactly) or float64 values; the new θ can also be written, narrowed to
// float32, into the engine's weight rows, which saves the separate passes that would otherwise
// convert the gradient up and θ down every step.
//
// The rule is written once (ruleText) and instantiated for vectors and scalars and for each
// combination of options, so that no test on an option is left inside a loop (V8 does not move
// them out).

interface Variant {
  gradF64: boolean;
  decay: boolean;
  momentum: boolean;
  weights: boolean;
}

const VARIANTS: Variant[] = [];
for (const gradF64 of [false, true])
  for (const decay of [false, true])
    for (const momentum of [false, true])
      for (const weights of [false, true]) {
        VARIANTS.push({ gradF64, decay, momentum, weights });
      }
const variantName = (o: Variant): string =>
  `upd_${+o.gradF64}${+o.decay}${+o.momentum}${+o.weights}`;

/**
 * The rule on one value (T = "f64") or a pair (T = "f64x2"): g holds ḡ and th holds θ on entry;
 * vAddr is where v lies. Leaves the new θ in th; stores v.
 */
function ruleText(
  T: "f64" | "f64x2",
  o: Variant,
  g: string,
  th: string,
  vAddr: string,
  lr: string,
  mu: string,
  wd: string,
): string {
  const get = (x: string) => `(local.get $${x})`;
  const load = T === "f64" ? "f64.load" : "v128.load";
  const store = T === "f64" ? "f64.store" : "v128.store";
  const lines: string[] = [];
  if (o.decay)
    lines.push(`(local.set $${g} (${T}.add ${get(g)} (${T}.mul ${get(wd)} ${get(th)})))`);
  if (o.momentum) {
    lines.push(`(local.set $${g} (${T}.add (${T}.mul ${get(mu)} (${load} ${vAddr})) ${get(g)}))`);
    lines.push(`(${store} ${vAddr} ${get(g)})`);
  }
  lines.push(`(local.set $${th} (${T}.sub ${get(th)} (${T}.mul ${get(lr)} ${get(g)})))`);
  return lines.join("\n      ");
}

/** One row: cols values of θ (and v) from t (v), ḡ from g, the new θ as float32 to w. */
function rowFunction(o: Variant): string {
  const gradStep = o.gradF64 ? 8 : 4;
  const gradPair = (offset: number): string =>
    o.gradF64
      ? `(v128.load offset=${offset * 8} (local.get $g))`
      : `(f64x2.promote_low_f32x4 (v128.load64_zero offset=${offset * 4} (local.get $g)))`;
  const vector = [0, 1]
    .map(
      (h) => `
      (local.set $g${h} ${gradPair(2 * h)})
      (local.set $t${h} (v128.load offset=${16 * h} (local.get $t)))
      ${ruleText("f64x2", o, `g${h}`, `t${h}`, `(i32.add (local.get $v) (i32.const ${16 * h}))`, "lr2", "mu2", "wd2")}
      (v128.store offset=${16 * h} (local.get $t) (local.get $t${h}))`,
    )
    .join("");
  const narrow = o.weights
    ? `(v128.store (local.get $w) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
        (f32x4.demote_f64x2_zero (local.get $t0)) (f32x4.demote_f64x2_zero (local.get $t1))))`
    : "";
  const scalarGrad = o.gradF64
    ? "(f64.load (local.get $g))"
    : "(f64.promote_f32 (f32.load (local.get $g)))";
  return `(func $${variantName(o)} (param $t i32) (param $v i32) (param $g i32) (param $w i32) (param $cols i32) (param $lr f64) (param $mu f64) (param $wd f64)
    (local $end4 i32) (local $end i32) (local $g0 v128) (local $g1 v128) (local $t0 v128) (local $t1 v128) (local $gs f64) (local $ts f64)
    (local $lr2 v128) (local $mu2 v128) (local $wd2 v128)
    (local.set $lr2 (f64x2.splat (local.get $lr)))
    (local.set $mu2 (f64x2.splat (local.get $mu)))
    (local.set $wd2 (f64x2.splat (local.get $wd)))
    (local.set $end (i32.add (local.get $t) (i32.shl (local.get $cols) (i32.const 3))))
    (local.set $end4 (i32.add (local.get $t) (i32.shl (i32.and (local.get $cols) (i32.const -4)) (i32.const 3))))
    (block $quads_done (loop $quad
      (br_if $quads_done (i32.ge_u (local.get $t) (local.get $end4)))
      ${vector}
      ${narrow}
      (local.set $t (i32.add (local.get $t) (i32.const 32)))
      (local.set $v (i32.add (local.get $v) (i32.const 32)))
      (local.set $g (i32.add (local.get $g) (i32.const ${4 * gradStep})))
      (local.set $w (i32.add (local.get $w) (i32.const 16)))
      (br $quad)))
    (block $done (loop $one
      (br_if $done (i32.ge_u (local.get $t) (local.get $end)))
      (local.set $gs ${scalarGrad})
      (local.set $ts (f64.load (local.get $t)))
      ${ruleText("f64", o, "gs", "ts", "(local.get $v)", "lr", "mu", "wd")}
      (f64.store (local.get $t) (local.get $ts))
      ${o.weights ? "(f32.store (local.get $w) (f32.demote_f64 (local.get $ts)))" : ""}
      (local.set $t (i32.add (local.get $t) (i32.const 8)))
      (local.set $v (i32.add (local.get $v) (i32.const 8)))
      (local.set $g (i32.add (local.get $g) (i32.const ${gradStep})))
      (local.set $w (i32.add (local.get $w) (i32.const 4)))
      (br $one))))`;
}

/** Calls the row function of the variant given by the flags (an if-chain over the four of them). */
function dispatchRow(args: string): string {
  const flags: Array<[keyof Variant, string]> = [
    ["gradF64", "(local.get $gf64)"],
    ["decay", "(f64.gt (local.get $wd) (f64.const 0))"],
    ["momentum", "(f64.gt (local.get $mu) (f64.const 0))"],
    ["weights", "(local.get $w)"],
  ];
  const choose = (k: number, chosen: Partial<Variant>): string => {
    if (k === flags.length) return `(call $${variantName(chosen as Variant)} ${args})`;
    const [name, test] = flags[k];
    return `(if ${test} (then ${choose(k + 1, { ...chosen, [name]: true })}) (else ${choose(k + 1, { ...chosen, [name]: false })}))`;
  };
  return choose(0, {});
}

/**
 * sgd_update_rows(θ, v, ḡ, gStride, gIsF64, w, wStride, rows, cols, η, μ, λ): θ and v are
 * rows × cols float64 values, contiguous; row r of ḡ starts at ḡ + r·gStride bytes (float32 unless
 * gIsF64); when w ≠ 0, row r of the float32 weights at w + r·wStride (16-byte aligned, as every
 * engine row is) receives the new θ. v is untouched when μ = 0.
 */
export const UPDATE_KERNELS = `
  ${VARIANTS.map(rowFunction).join("\n  ")}
  (func $sgd_update_rows (export "sgd_update_rows") (param $t i32) (param $v i32) (param $g i32) (param $gstride i32) (param $gf64 i32)
    (param $w i32) (param $wstride i32) (param $rows i32) (param $cols i32) (param $lr f64) (param $mu f64) (param $wd f64)
    (local $r i32) (local $rowBytes i32)
    (local.set $rowBytes (i32.shl (local.get $cols) (i32.const 3)))
    (block $rows_done (loop $row
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
      ${dispatchRow(`(local.get $t) (local.get $v) (local.get $g) (local.get $w) (local.get $cols) (local.get $lr) (local.get $mu) (local.get $wd)`)}
      (local.set $t (i32.add (local.get $t) (local.get $rowBytes)))
      (local.set $v (i32.add (local.get $v) (local.get $rowBytes)))
      (local.set $g (i32.add (local.get $g) (local.get $gstride)))
      (local.set $w (i32.add (local.get $w) (local.get $wstride)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))
`;
