// batchlab: the library behind the notebooks. One folder per concept, so the layout reads as the
// course does: draw batches (sampling), define losses and gradients (models), apply the
// batch-averaged update (update), measure gradient noise (noise), run grids of experiments
// (sweeps), and draw and show the results (plots, display).
//
// Notebooks import this file as "./src/index", and every re-export names a file ("./util/index"),
// never a bare folder: tslab resolves local TypeScript imports by file name only, so a folder
// import ("./src", "./util") fails inside the kernel even though tsc accepts it.
export * from "./util/index";
export * from "./data/index";
export * from "./sampling/index";
export * from "./models/index";
export * from "./update/index";
export * from "./learningRate/index";
export * from "./noise/index";
export * from "./display/index";
export * from "./plots/index";
export * from "./backend/index";
export * from "./exercises/index";
export * from "./sweeps/index";
export * from "./engines/index";
export * from "./compute/index";
export * from "./curvature/index";
export * from "./generalization/index";
export * from "./advisor/index";
export * from "./claims/index";
export * from "./pool/index";
export * from "./escape/index";
