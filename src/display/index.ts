export { inNotebook, emitBundle, type MimeBundle } from "./emit";
export * from "./show";
export * from "./table";
export * from "./live";
