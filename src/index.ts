// batchlab: the library behind the notebooks. One folder per concept, so the layout reads as the
// course does: draw batches (sampling), define losses and gradients (models), apply the
// batch-averaged update (update) with its learning rate (learningRate), measure gradient noise
// (noise), run grids of experiments (sweeps), and draw and show the results (plots, display).
//
// Every folder's index.ts lists its names explicitly, grouped by file with a comment per group, so
// this file only gathers the folders: a name's folder is the index that lists it.
//
// Notebooks import this file as "./src/index", and every re-export names a file ("./util/index"),
// never a bare folder: tslab resolves local TypeScript imports by file name only, so a folder
// import ("./src", "./util") fails inside the kernel even though tsc accepts it.
//
// Named imports, not a namespace. Chapter 3 was read both ways inside tslab: as it is, and with
// `import * as bl from "./src/index"` and every library call written `bl.name`.
//  - The namespace puts `bl.` before 167 calls of chapter 3 (89 of chapter 1, 155 of chapter 4):
//    the lines the course teaches, `train(model, data, …)` and `claim("…", value, atMost(3))`,
//    stop reading like the formula and the sentence they stand for, and 3 more code lines pass
//    100 characters.
//  - It does not say where a call lives either: `bl` is one flat namespace of 456 names.
//  - In tslab, completing `bl.` offers all 456 names (`bl.lr` 13 of them); with named imports a
//    bare prefix offers the chapter's own names (`lr`: lrRules only). Hovering a call shows the
//    same signature and comment both ways.
// So a chapter's first cell lists the names it uses, and that list says where each lives when it
// imports per folder: `import { lrRules, linearWarmup } from "./src/learningRate/index";` (tslab
// resolves these file names too).

// Foundations: random numbers, checks, formatting; data and how batches are drawn
export * from "./util/index";
export * from "./data/index";
export * from "./sampling/index";
// The teaching core: models, the update rule and training loop, the learning rate
export * from "./models/index";
export * from "./update/index";
export * from "./learningRate/index";
// What the chapters measure: gradient noise, escapes, sweeps, curvature, generalization, compute
export * from "./noise/index";
export * from "./escape/index";
export * from "./sweeps/index";
export * from "./curvature/index";
export * from "./generalization/index";
export * from "./compute/index";
export * from "./advisor/index";
// Running it fast: engines, the TensorFlow.js backend, the worker pool
export * from "./engines/index";
export * from "./backend/index";
export * from "./pool/index";
// Showing it: figures, display, claims checked where they are measured, exercises
export * from "./plots/index";
export * from "./display/index";
export * from "./claims/index";
export * from "./exercises/index";
