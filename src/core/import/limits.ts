/** Bounds of every importer: input is hostile, so size, counts and depth are capped in one place. */

/** Largest document an importer reads (a big public Postman collection is a few MB). */
export const MAX_IMPORT_BYTES = 32 * 1024 * 1024;
/** Most flows one import writes. */
export const MAX_FLOWS = 1000;
/** Most steps in one flow (requests of a folder, operations of a tag, entries of a HAR). */
export const MAX_STEPS_PER_FLOW = 2000;
/** Deepest folder nesting / `$ref` chain / schema nesting followed. */
export const MAX_DEPTH = 32;
/** Largest example value built from a schema, in nodes. */
export const MAX_EXAMPLE_NODES = 500;
/** Longest generated name, id or file stem. */
export const MAX_NAME_LENGTH = 60;
/** Most notes listed in the summary (the rest are counted). */
export const MAX_SUMMARY_LINES = 200;
