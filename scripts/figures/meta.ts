// Gallery entries for figures whose show() call records no meta of its own, keyed by the id the
// collector gives such a figure ("<notebook>-fig<k>": the k-th figure of the notebook). Meta given
// in the notebook always wins; an entry here whose figure has moved is simply not used, and the
// gallery then shows the figure under its positional id with no claim, which `npm run figures`
// reports.

import type { FigureMetaRecord } from "./collect";

export const FALLBACK_META: Readonly<Record<string, FigureMetaRecord & { id: string }>> = {
  "04-generalization-fig1": {
    id: "ch4-gap-fixed-epochs",
    claim: "After 10 epochs at the same η, test accuracy falls with m, and training accuracy falls just as fast: the large batches have not fit.",
    source: "Keskar et al. 2017 (the large-batch gap); η rules of Goyal et al. 2017 and Hoffer et al. 2017",
  },
  "04-generalization-fig2": {
    id: "ch4-accuracy-vs-updates",
    claim: "Along the same-η runs, test accuracy follows the number of updates taken, whatever the batch size.",
    source: "Hoffer et al. 2017 (too few updates, not large batches)",
  },
  "04-generalization-fig3": {
    id: "ch4-budget-comparison",
    claim: "Retuned and trained to the same training loss, the full batch comes within about a point of the smallest batch; the fixed-epoch gap was mostly a budget effect.",
    source: "Hoffer et al. 2017; Shallue et al. 2019 (η retuned per batch size)",
  },
  "04-generalization-fig4": {
    id: "ch4-sharpness",
    claim: "At equal training loss the large-batch solutions are not consistently sharper, by λ_max or by Keskar's ε-sharpness.",
    source: "Keskar et al. 2017 (ε-sharpness)",
  },
  "04-generalization-fig5": {
    id: "ch4-sharpness-vs-gap",
    claim: "Across solutions, sharpness does not track the generalization gap.",
    source: "Keskar et al. 2017",
  },
  "04-generalization-fig6": {
    id: "ch4-interpolation",
    claim: "On the line between a small-batch and a full-batch solution the loss rises in between; the walls beyond the ends follow the weight norms more than the curvature.",
    source: "Keskar et al. 2017, Fig. 3 (1-D interpolation)",
  },
  "04-generalization-fig7": {
    id: "ch4-eta-over-m",
    claim: "η/m ranks the fixed-budget runs by test accuracy, but in that budget it is the same number as η × updates.",
    source: "Smith & Le 2018 (noise scale g ≈ ηN/m)",
  },
};
